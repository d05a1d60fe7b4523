package dev.portico.proxy.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request packet of the uwsgi protocol, built as nginx's ngx_http_uwsgi_create_request
 * builds it: modifier1, the size of the variables (16 bits, little-endian), modifier2, then
 * the variables as key/value pairs, each part preceded by its 16-bit little-endian length.
 * The request body, if any, follows the packet as raw bytes.
 *
 * <p>The variables are the uwsgi_param list (a pair left out when {@code if_not_empty} and
 * its value renders empty), then, with uwsgi_pass_request_headers on, every request header as
 * {@code HTTP_} + its name upper-cased with "-" turned into "_", in the order received. Headers
 * of one name (case-insensitive) go as one variable, the values joined by ", " ("; " for
 * Cookie), under the first one's spelling (nginx 1.23+). A header is not passed when a param
 * named {@code HTTP_} + that name exists (compared as nginx's params hash does: the param's
 * suffix lower-cased, the header's name lower-cased with "-" as "_"), whatever that param
 * renders to. Variables over 65535 bytes in all are refused, never sent truncated.
 *
 * <p>Bytes: names of params and rendered values go as UTF-8 (the configuration file's and
 * the decoded URI's encoding); request header names and values go as received (Netty holds
 * them one char per byte).
 */
public final class UwsgiRequestEncoder {

    /** The largest size of the variables that the packet's 16-bit size field can carry. */
    public static final int MAX_VARIABLES_SIZE = 0xffff;

    private static final byte[] HTTP_PREFIX = {'H', 'T', 'T', 'P', '_'};

    private final int modifier1;
    private final int modifier2;
    private final boolean passRequestHeaders;
    /** Per uwsgi_param, in order: its name's bytes, or null when it is never sent (HTTP_* with an empty value). */
    private final byte[][] names;
    private final boolean[] ifNotEmpty;
    /** Header names (lower-case, "-" as "_") that an HTTP_* param covers. */
    private final Set<String> coveredHeaders;

    public UwsgiRequestEncoder(UwsgiSettings settings) {
        this.modifier1 = settings.modifier1();
        this.modifier2 = settings.modifier2();
        this.passRequestHeaders = settings.passRequestHeaders();
        List<UwsgiParam> params = settings.params();
        names = new byte[params.size()][];
        ifNotEmpty = new boolean[params.size()];
        Set<String> covered = new HashSet<>();
        for (int i = 0; i < params.size(); i++) {
            UwsgiParam p = params.get(i);
            String name = p.name();
            ifNotEmpty[i] = p.ifNotEmpty();
            names[i] = name.getBytes(StandardCharsets.UTF_8);
            if (name.length() > 5 && name.startsWith("HTTP_")) {
                covered.add(asciiLowerCase(name.substring(5)));
                if (p.value().source().isEmpty()) {
                    names[i] = null; // only hides the header, as nginx's init_params does
                }
            }
        }
        coveredHeaders = Set.copyOf(covered);
    }

    /**
     * The packet for one request, without its body.
     *
     * @param values  the rendered value of each uwsgi_param, in the settings' order (null as empty)
     * @param headers the request headers as received (ignored with uwsgi_pass_request_headers off)
     * @throws UwsgiRequestTooBigException when the variables exceed {@link #MAX_VARIABLES_SIZE}
     */
    public ByteBuf encode(ByteBufAllocator alloc, String[] values, HttpHeaders headers) {
        if (values.length != names.length) {
            throw new IllegalArgumentException(values.length + " values for " + names.length + " uwsgi params");
        }
        long size = 0;
        int[] valueLengths = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null) {
                continue;
            }
            String v = values[i];
            int n = v == null ? 0 : ByteBufUtil.utf8Bytes(v);
            valueLengths[i] = n;
            if (n == 0 && ifNotEmpty[i]) {
                valueLengths[i] = -1;
                continue;
            }
            size += 2 + names[i].length + 2 + n;
        }
        List<HeaderVariable> passed = passRequestHeaders ? headerVariables(headers) : List.of();
        for (HeaderVariable h : passed) {
            size += 2 + HTTP_PREFIX.length + h.name.length() + 2 + h.valueLength();
        }
        if (size > MAX_VARIABLES_SIZE) {
            throw new UwsgiRequestTooBigException(size);
        }
        ByteBuf packet = alloc.buffer(4 + (int) size, 4 + (int) size);
        try {
            write(packet, (int) size, values, valueLengths, passed);
        } catch (RuntimeException e) {
            packet.release();
            throw e;
        }
        return packet;
    }

    private void write(ByteBuf packet, int size, String[] values, int[] valueLengths, List<HeaderVariable> passed) {
        packet.writeByte(modifier1).writeShortLE(size).writeByte(modifier2);
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null || valueLengths[i] < 0) {
                continue;
            }
            packet.writeShortLE(names[i].length).writeBytes(names[i]);
            packet.writeShortLE(valueLengths[i]);
            if (values[i] != null) {
                ByteBufUtil.reserveAndWriteUtf8(packet, values[i], valueLengths[i]);
            }
        }
        for (HeaderVariable h : passed) {
            packet.writeShortLE(HTTP_PREFIX.length + h.name.length()).writeBytes(HTTP_PREFIX);
            for (int k = 0; k < h.name.length(); k++) {
                char c = h.name.charAt(k);
                packet.writeByte(c >= 'a' && c <= 'z' ? c - 32 : c == '-' ? '_' : latin1(c));
            }
            packet.writeShortLE(h.valueLength());
            String separator = asciiEqualsIgnoreCase(h.name, "Cookie") ? "; " : ", ";
            for (int k = 0; k < h.values.size(); k++) {
                if (k > 0) {
                    packet.writeCharSequence(separator, StandardCharsets.ISO_8859_1);
                }
                packet.writeCharSequence(h.values.get(k), StandardCharsets.ISO_8859_1);
            }
        }
        if (packet.readableBytes() != 4 + size) {
            throw new IllegalStateException("uwsgi packet of " + packet.readableBytes() + " bytes, " + (4 + size)
                    + " expected"); // nginx's "uwsgi request length mismatch"
        }
    }

    /** One HTTP_* variable: a header name as first received and every value of that name, in order. */
    private static final class HeaderVariable {
        final String name;
        final List<String> values = new ArrayList<>(1);

        HeaderVariable(String name) {
            this.name = name;
        }

        int valueLength() {
            int n = 2 * (values.size() - 1);
            for (String v : values) {
                n += v.length();
            }
            return n;
        }
    }

    /** The request headers as nginx passes them: same names linked to the first, covered ones left out. */
    private List<HeaderVariable> headerVariables(HttpHeaders headers) {
        List<HeaderVariable> out = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey();
            HeaderVariable same = null;
            for (HeaderVariable h : out) {
                if (asciiEqualsIgnoreCase(h.name, name)) {
                    same = h;
                    break;
                }
            }
            if (same == null) {
                same = new HeaderVariable(name);
                out.add(same);
            }
            same.values.add(e.getValue());
        }
        if (!coveredHeaders.isEmpty()) {
            out.removeIf(h -> coveredHeaders.contains(headerKey(h.name)));
        }
        return out;
    }

    /** nginx's ngx_strncasecmp over equal lengths: only A-Z fold. */
    private static boolean asciiEqualsIgnoreCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y && (!isAsciiLetter(x) || (x | 0x20) != (y | 0x20))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    }

    /** A header's key in nginx's params hash: A-Z lower-cased, "-" as "_". */
    private static String headerKey(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c == '-' ? '_' : c);
        }
        return sb.toString();
    }

    private static String asciiLowerCase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }

    /** A header char as the byte it came as; anything wider (set by a module, not received) as '?'. */
    private static int latin1(char c) {
        return c <= 0xff ? c : '?';
    }
}
