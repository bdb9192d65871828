package io.voidbox.sandbox.namespace.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.sandbox.namespace.internal.NetNamespace.Refused;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NetNamespaceTest {
    @Test
    void theTablesSetsBecomeRefusedDestinationsWithTheirAttempts() throws Exception {
        // as `nft -j list table inet voidbox` (nftables 1.0.6) prints it; udp4's key is raw payload, so numbers
        String table = """
                {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
                 {"table": {"family": "inet", "name": "voidbox", "handle": 1}},
                 {"set": {"family": "inet", "name": "tcp4", "table": "voidbox", "type": ["ipv4_addr", "inet_service"],
                   "elem": [{"elem": {"val": {"concat": ["127.0.0.1", 5432]}, "counter": {"packets": 2, "bytes": 80}}},
                            {"elem": {"val": {"concat": ["1.1.1.1", 80]}, "counter": {"packets": 1, "bytes": 40}}}]}},
                 {"set": {"family": "inet", "name": "tcp6", "table": "voidbox", "type": ["ipv6_addr", "inet_service"],
                   "elem": [{"elem": {"val": {"concat": ["::1", 22]}, "counter": {"packets": 1, "bytes": 60}}}]}},
                 {"set": {"family": "inet", "name": "udp4", "table": "voidbox", "type": ["integer", "integer"],
                   "elem": [{"elem": {"val": {"concat": [134744072, 53]}, "counter": {"packets": 3, "bytes": 58}}}]}},
                 {"set": {"family": "inet", "name": "other", "table": "voidbox", "type": ["ipv4_addr", "inet_service"],
                   "elem": [{"elem": {"val": {"concat": ["9.9.9.9", 9]}, "counter": {"packets": 1, "bytes": 40}}}]}},
                 {"chain": {"family": "inet", "table": "voidbox", "name": "denied"}}]}
                """;
        assertThat(NetNamespace.parse(new ObjectMapper().readTree(table)))
                .isEqualTo(Map.of(
                        new Refused("127.0.0.1", 5432, "tcp"), 2L,
                        new Refused("1.1.1.1", 80, "tcp"), 1L,
                        new Refused("::1", 22, "tcp"), 1L,
                        new Refused("8.8.8.8", 53, "udp"), 3L));
    }

    @Test
    void anEmptyOrMissingTableRefusedNothing() throws Exception {
        assertThat(NetNamespace.parse(new ObjectMapper().readTree("{}"))).isEmpty();
    }
}
