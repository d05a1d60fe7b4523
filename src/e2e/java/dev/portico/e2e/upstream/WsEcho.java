package dev.portico.e2e.upstream;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * examples/flaskapp/ws_echo.py (python3-websockets on Debian's python3): a WebSocket server
 * that echoes every text and binary message, on any path, until {@link #close()}.
 * stdout/stderr go to workDir/ws_echo.stdout|stderr.
 */
public final class WsEcho extends UpstreamProcess {

    public static final Path PYTHON = Path.of("/usr/bin/python3");

    private final String host;
    private final int port;
    private final Path unixSocket;

    private WsEcho(Path workDir, String host, int port, Path unixSocket, Process process) {
        super("ws_echo.py", process, () -> readIfExists(workDir.resolve("ws_echo.stdout"))
                + readIfExists(workDir.resolve("ws_echo.stderr")));
        this.host = host;
        this.port = port;
        this.unixSocket = unixSocket;
    }

    /** Listens on host:port. */
    public static WsEcho start(Path workDir, String host, int port) {
        return start(workDir, List.of("--host", host, "--port", String.valueOf(port)), host + ":" + port,
                host, port, null);
    }

    /** Listens on a unix socket. */
    public static WsEcho startUnix(Path workDir, Path socket) {
        return start(workDir, List.of("--unix", socket.toString()), socket.toString(), null, -1, socket);
    }

    private static WsEcho start(Path workDir, List<String> args, String address, String host, int port,
                                Path unix) {
        requireInstalled(PYTHON, "python3");
        requireInstalled(Path.of("/usr/lib/python3/dist-packages/websockets"), "python3-websockets");
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(),
                flaskAppDir().resolve("ws_echo.py").toString()));
        cmd.addAll(args);
        Process p = launch(workDir, "ws_echo", cmd, Map.of());
        WsEcho w = new WsEcho(workDir, host, port, unix, p);
        w.awaitAccepting(List.of(address));
        return w;
    }

    public int port() {
        return port;
    }

    public Path socketPath() {
        return unixSocket;
    }

    /** ws://host:port{path}. */
    public URI uri(String path) {
        return URI.create("ws://" + host + ":" + port + path);
    }
}
