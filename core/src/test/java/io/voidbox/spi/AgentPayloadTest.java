package io.voidbox.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AgentPayloadTest {
    @Test
    void namesTheSandboxDirectoryAndCommand() {
        AgentPayload p = new AgentPayload("codex", () -> Path.of("/x"), "bin/codex");
        assertThat(p.sandboxDir()).isEqualTo("/opt/codex");
        assertThat(p.sandboxCommand()).isEqualTo("/usr/bin/codex");
    }

    @Test
    void refusesNamesAndExecutablesThatCouldLeaveTheirPlaceOrBreakTheKernelCommandLine() {
        for (String name : new String[] {"", "Codex", "co dex", "../x", "a-very-long-agent-name"})
            assertThatThrownBy(() -> new AgentPayload(name, () -> Path.of("/x"), "bin/x"))
                    .as(name)
                    .hasMessageContaining("agent payload name");
        for (String exe : new String[] {"/bin/x", "../x", "bin/../../x", "bin/x y", "bin/", "bin/./x", ""})
            assertThatThrownBy(() -> new AgentPayload("x", () -> Path.of("/x"), exe))
                    .as(exe)
                    .hasMessageContaining("executable must be a relative path");
    }
}
