package dev.portico.e2e;

import java.util.ArrayList;
import java.util.List;

/** One HTTP/1.x response as read from a socket. Text is ISO-8859-1, byte for byte. */
public record RawResponse(String statusLine, int status, List<String[]> headers, String body) {

    /** The first value of a header (case-insensitive name), or null. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                values.add(h[1]);
            }
        }
        return values;
    }

    public boolean hasHeader(String name) {
        return header(name) != null;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(statusLine).append("\r\n");
        for (String[] h : headers) {
            b.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        return b.append("\r\n").append(body).toString();
    }
}
