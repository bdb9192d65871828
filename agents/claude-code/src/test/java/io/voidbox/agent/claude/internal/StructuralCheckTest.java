package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StructuralCheckTest {

    @Test
    void acceptsCompleteValuesWithEscapesAndTrailingWhitespace() {
        assertThat(StructuralCheck.isComplete("{\"a\":[1,{\"b\":\"}]\\\"{\"}],\"c\":{}}"))
                .isTrue();
        assertThat(StructuralCheck.isComplete("{\"a\":\"\\\\\"}\r\n")).isTrue();
        assertThat(StructuralCheck.isComplete("[]")).isTrue();
    }

    @Test
    void rejectsTruncatedMismatchedOrTrailingContent() {
        assertThat(StructuralCheck.isComplete("{\"a\":[1,2")).isFalse();
        assertThat(StructuralCheck.isComplete("{\"a\":\"unterminated}")).isFalse();
        assertThat(StructuralCheck.isComplete("{\"a\":[1}]")).isFalse();
        assertThat(StructuralCheck.isComplete("{\"a\":1}}")).isFalse();
        assertThat(StructuralCheck.isComplete("{\"a\":1} x")).isFalse();
        assertThat(StructuralCheck.isComplete("{\"a\":\"tab\tinside\"}")).isFalse();
        assertThat(StructuralCheck.isComplete("")).isFalse();
        assertThat(StructuralCheck.isComplete("[".repeat(65) + "]".repeat(65))).isFalse();
    }
}
