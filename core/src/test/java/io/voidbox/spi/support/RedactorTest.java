package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void everyOccurrenceOfAKnownSecretIsMaskedAndShortValuesAreNotSecrets() {
        Redactor r = new Redactor();
        assertThat(r.redact("sk-ant-123456789 stays")).isEqualTo("sk-ant-123456789 stays");
        r.addAll(List.of("sk-ant-123456789", "short", "vbx-proxy-abcdef0123"));
        assertThat(r.redact("key=sk-ant-123456789 and again sk-ant-123456789, token vbx-proxy-abcdef0123"))
                .isEqualTo("key=[REDACTED] and again [REDACTED], token [REDACTED]");
        assertThat(r.redact("short words stay")).isEqualTo("short words stay");
        String clean = "nothing to hide";
        assertThat(r.redact(clean)).isSameAs(clean);
        assertThat(r.redact(null)).isNull();
    }

    @Test
    void aSecretThatContainsAnotherIsMaskedWhole() {
        Redactor r = new Redactor();
        r.addAll(List.of("abcdefgh", "abcdefgh-longer-secret"));
        assertThat(r.redact("x abcdefgh-longer-secret y")).isEqualTo("x [REDACTED] y");
    }

    @Test
    void theSharedNoneRedactorNeverLearnsSecrets() {
        Redactor.NONE.addAll(List.of("sk-ant-123456789"));
        assertThat(Redactor.NONE.isEmpty()).isTrue();
    }
}
