package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxUserTest {
    @Test
    void aNormalUserRunsBoxesAsItselfAndRootAsAnUnprivilegedUidOfItsChoice() {
        assertThat(SandboxUser.of(1000, 1001, Map.of("VOIDBOX_BOX_UID", "4242")))
                .isEqualTo(new SandboxUser(1000, 1001, false));
        assertThat(SandboxUser.of(0, 0, Map.of())).isEqualTo(new SandboxUser(65534, 65534, true));
        assertThat(SandboxUser.of(0, 0, Map.of("VOIDBOX_BOX_UID", "4242:4343")))
                .isEqualTo(new SandboxUser(4242, 4343, true));
        assertThat(SandboxUser.of(0, 0, Map.of("VOIDBOX_NAMESPACE_UID", "4242")))
                .as("the variable's earlier name")
                .isEqualTo(new SandboxUser(4242, 4242, true));
        assertThatThrownBy(() -> SandboxUser.of(0, 0, Map.of("VOIDBOX_BOX_UID", "0")))
                .hasMessageContaining("VOIDBOX_BOX_UID must be UID or UID:GID");
    }
}
