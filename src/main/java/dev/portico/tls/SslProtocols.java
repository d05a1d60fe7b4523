package dev.portico.tls;

import dev.portico.config.ConfigException;
import dev.portico.config.DirectiveCall;
import dev.portico.config.Values;
import java.util.ArrayList;
import java.util.List;

/** ssl_protocols' words (nginx's ngx_http_ssl_protocols bitmask) and the names the TLS engines use. */
final class SslProtocols {

    static final int SSL_V2 = 0x02;
    static final int SSL_V3 = 0x04;
    static final int TLS_V1 = 0x08;
    static final int TLS_V1_1 = 0x10;
    static final int TLS_V1_2 = 0x20;
    static final int TLS_V1_3 = 0x40;

    private static final String[] NAMES = {"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
    private static final int[] BITS = {SSL_V2, SSL_V3, TLS_V1, TLS_V1_1, TLS_V1_2, TLS_V1_3};

    private SslProtocols() {
    }

    /** The bit for an ssl_protocols word, or 0 for a word nginx does not know (compared as written). */
    static int bit(String word) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equalsIgnoreCase(word)) {
                return BITS[i];
            }
        }
        return 0;
    }

    /** {@code mask} with the directive's words added, as ngx_conf_set_bitmask_slot reads them ({@link Values#bitmask}). */
    static int add(DirectiveCall c, int mask) throws ConfigException {
        for (String word : Values.bitmask(c, new java.util.LinkedHashSet<>(names(mask).stream()
                .map(n -> n.toLowerCase(java.util.Locale.ROOT)).toList()), List.of(NAMES))) {
            mask |= bit(word);
        }
        return mask;
    }

    /** The protocol names of a bitmask, oldest first; the engines use nginx's spelling. */
    static List<String> names(int mask) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            if ((mask & BITS[i]) != 0) {
                names.add(NAMES[i]);
            }
        }
        return names;
    }
}
