package dev.portico.proxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's Gunicorn running a small WSGI application written into a test
 * folder, listening on a TCP port of 127.0.0.1 and on a unix socket. A missing
 * Gunicorn is a failure, not a skip: the proxy is tested against the real thing.
 *
 * Endpoints: /echo... (method, raw URI, headers, client address, body digest as
 * JSON), /big?mb=N (N MiB with Content-Length), /stream?mb=N (no length: chunked
 * or close-delimited), /upload (digest of the body), /sleep?s=N, /status?code=N
 * (Set-Cookie, Cache-Control, X-Accel-Buffering, Location from ?location=, Refresh from ?refresh=),
 * /close (closes the connection before answering), /accel (X-Accel-* headers from ?redirect=, ?charset=,
 * ?buffering=, ?limit-rate=, ?expires=, with Content-Type from ?type= and the headers an X-Accel-Redirect
 * keeps or drops). The end-to-end tests use it too.
 */
public final class Gunicorn implements AutoCloseable {

    static final String GUNICORN = "/usr/bin/gunicorn";

    static final String APP = """
            import hashlib, json, socket, time
            from urllib.parse import parse_qs

            PATTERN = bytes(range(256)) * 4096  # 1 MiB

            def arg(environ, name, default):
                return parse_qs(environ.get('QUERY_STRING', '')).get(name, [default])[0]

            def application(environ, start_response):
                path = environ['PATH_INFO']
                if path.startswith('/big'):
                    mb = int(arg(environ, 'mb', '1'))
                    start_response('200 OK', [('Content-Type', 'application/octet-stream'),
                                              ('Content-Length', str(mb * len(PATTERN)))])
                    return (PATTERN for _ in range(mb))
                if path.startswith('/stream'):
                    mb = int(arg(environ, 'mb', '1'))
                    start_response('200 OK', [('Content-Type', 'application/octet-stream')])
                    return (PATTERN for _ in range(mb))
                if path.startswith('/sleep'):
                    time.sleep(float(arg(environ, 's', '1')))
                    start_response('200 OK', [('Content-Type', 'text/plain')])
                    return [b'slept']
                if path.startswith('/close'):
                    environ['gunicorn.socket'].shutdown(socket.SHUT_RDWR)
                    start_response('200 OK', [('Content-Type', 'text/plain')])
                    return [b'']
                if path.startswith('/accel'):
                    headers = [('Content-Type', arg(environ, 'type', 'application/x-upstream')),
                               ('Set-Cookie', 'up=1; Path=/'), ('Content-Disposition', 'attachment; filename="u.txt"'),
                               ('Cache-Control', 'private'), ('Expires', 'Thu, 01 Jan 2037 00:00:00 GMT'),
                               ('Accept-Ranges', 'none'), ('ETag', '"upstream"'), ('X-App', 'accel')]
                    for name in ('redirect', 'charset', 'buffering', 'limit-rate', 'expires'):
                        value = arg(environ, name, None)
                        if value is not None:
                            headers.append(('X-Accel-' + name.title(), value))
                    body = b'upstream body'
                    headers.append(('Content-Length', str(len(body))))
                    start_response(arg(environ, 'code', '200') + ' Whatever', headers)
                    return [body]
                if path.startswith('/status'):
                    code = arg(environ, 'code', '200')
                    headers = [('Content-Type', 'text/plain'),
                               ('Set-Cookie', 'a=1; Path=/'), ('Set-Cookie', 'b=2; Path=/'),
                               ('Cache-Control', 'no-store'), ('X-Accel-Buffering', 'no'),
                               ('X-App', 'status')]
                    location = arg(environ, 'location', None)
                    if location:
                        headers.append(('Location', location))
                    refresh = arg(environ, 'refresh', None)
                    if refresh:
                        headers.append(('Refresh', '5; url=' + refresh))
                    start_response(code + ' Whatever', headers)
                    return [('status ' + code).encode()]
                digest = hashlib.sha256()
                length = 0
                stream = environ['wsgi.input']
                while True:
                    chunk = stream.read(65536)
                    if not chunk:
                        break
                    digest.update(chunk)
                    length += len(chunk)
                headers = {k[5:].replace('_', '-').lower(): v for k, v in environ.items() if k.startswith('HTTP_')}
                if environ.get('CONTENT_TYPE'):
                    headers['content-type'] = environ['CONTENT_TYPE']
                if environ.get('CONTENT_LENGTH'):
                    headers['content-length'] = environ['CONTENT_LENGTH']
                body = json.dumps({'method': environ['REQUEST_METHOD'], 'uri': environ['RAW_URI'],
                                   'protocol': environ['SERVER_PROTOCOL'], 'headers': headers,
                                   'client': environ.get('REMOTE_ADDR', ''),
                                   'length': length, 'sha256': digest.hexdigest(),
                                   'port': environ.get('SERVER_PORT', '')}).encode()
                start_response('200 OK', [('Content-Type', 'application/json'),
                                          ('Content-Length', str(len(body)))])
                return [body]
            """;

    private final Process process;
    public final int port;
    public final Path socket;

    private Gunicorn(Process process, int port, Path socket) {
        this.process = process;
        this.port = port;
        this.socket = socket;
    }

    public static Gunicorn start(Path dir, int port) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(GUNICORN))) {
            throw new IllegalStateException(GUNICORN + " is missing: apt-get install gunicorn python3-flask");
        }
        Files.writeString(dir.resolve("app.py"), APP);
        Path socket = dir.resolve("app.sock");
        Process p = new ProcessBuilder(List.of(GUNICORN, "--chdir", dir.toString(), "--workers", "4",
                "--timeout", "60", "--bind", "127.0.0.1:" + port, "--bind", "unix:" + socket, "app:application"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("gunicorn.log").toFile())
                .start();
        Gunicorn g = new Gunicorn(p, port, socket);
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("gunicorn exited: " + Files.readString(dir.resolve("gunicorn.log")));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                if (Files.exists(socket)) {
                    return g;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        g.close();
        throw new IllegalStateException("gunicorn did not start: " + Files.readString(dir.resolve("gunicorn.log")));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
