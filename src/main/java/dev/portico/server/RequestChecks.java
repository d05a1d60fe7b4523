package dev.portico.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Iterator;
import java.util.Map;

/**
 * What nginx refuses in a request head beyond what Netty's strict decoder
 * already rejects (Content-Length with Transfer-Encoding, a coding other than
 * chunked, duplicate lengths): versions above 1.x, malformed methods, a second
 * Host. Headers whose names nginx ignores are dropped here too.
 */
final class RequestChecks {

    record Problem(int status, String reason) {
    }

    private RequestChecks() {
    }

    static Problem check(HttpRequest request) {
        if (request.protocolVersion().majorVersion() != 1) {
            return new Problem(505, "client sent unsupported HTTP version while reading client request line");
        }
        String method = request.method().name();
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if ((c < 'A' || c > 'Z') && c != '_' && c != '-') {
                return new Problem(400, "client sent invalid method while reading client request line");
            }
        }
        if (request.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
            return new Problem(400, "client sent duplicate header line: \"Host: "
                    + request.headers().getAll(HttpHeaderNames.HOST).get(1) + "\", previous value: \"Host: "
                    + request.headers().get(HttpHeaderNames.HOST) + "\" while reading client request headers");
        }
        java.util.List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty() && !(codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked"))) {
            // Netty accepts a list ending in chunked ("gzip, chunked"); any coding but chunked alone is refused.
            return new Problem(400, "client sent unknown \"Transfer-Encoding\": \"" + String.join(", ", codings)
                    + "\" while reading client request headers");
        }
        String uri = request.uri();
        if (uri.isEmpty() || (uri.charAt(0) != '/' && !uri.regionMatches(true, 0, "http://", 0, 7)
                && !uri.regionMatches(true, 0, "https://", 0, 8))) {
            return new Problem(400, "client sent invalid request while reading client request line");
        }
        dropIgnoredHeaders(request);
        return null;
    }

    /** nginx ignores header names with characters other than letters, digits and hyphens. */
    private static void dropIgnoredHeaders(HttpRequest request) {
        boolean any = false;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> all = request.headers().iteratorCharSequence();
                all.hasNext(); ) {
            if (!validName(all.next().getKey())) {
                any = true;
                break;
            }
        }
        if (!any) {
            return;
        }
        Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence();
        java.util.List<CharSequence> drop = new java.util.ArrayList<>();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (!validName(name)) {
                drop.add(name);
            }
        }
        for (CharSequence name : drop) {
            request.headers().remove(name);
        }
    }

    private static boolean validName(CharSequence name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
