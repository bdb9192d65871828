package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.voidbox.LlmConfig.Provider;
import io.voidbox.SandboxOptions.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user's configuration: where it lives, how strictly it is checked, and how it sits under a spec. */
class UserConfigTest {
    @TempDir
    Path dir;

    private UserConfig config(String yaml) throws IOException, SpecException {
        return UserConfig.load(Files.writeString(dir.resolve("config.yaml"), yaml));
    }

    private PipelineSpec spec(String yaml, UserConfig config) throws IOException, SpecException {
        return (PipelineSpec)
                SpecLoader.loadSpec(Files.writeString(dir.resolve("spec.yaml"), yaml), Optional.of(config));
    }

    @Test
    void livesUnderXdgConfigHomeWhenSetElseUnderHome() {
        assertThat(UserConfig.defaultFile(Map.of("XDG_CONFIG_HOME", "/x/conf", "HOME", "/home/u")))
                .isEqualTo(Path.of("/x/conf/voidbox/config.yaml"));
        assertThat(UserConfig.defaultFile(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/home/u")))
                .isEqualTo(Path.of("/home/u/.config/voidbox/config.yaml"));
        assertThat(UserConfig.defaultFile(Map.of("HOME", "/home/u")))
                .isEqualTo(Path.of("/home/u/.config/voidbox/config.yaml"));
    }

    @Test
    void aMissingDefaultFileIsNoConfigurationAndTheTemplateIsValid() throws Exception {
        assertThat(UserConfig.loadDefault(Map.of("XDG_CONFIG_HOME", dir.toString())))
                .isEmpty();
        Files.createDirectories(dir.resolve("voidbox"));
        Files.writeString(dir.resolve("voidbox/config.yaml"), UserConfig.template());
        UserConfig c = UserConfig.loadDefault(Map.of("XDG_CONFIG_HOME", dir.toString()))
                .orElseThrow();
        assertThat(c.logLevel()).contains("warn");
        assertThat(c.sandbox()).containsExactly(Map.entry("backend", "auto"));
    }

    @Test
    void defaultsFillWhatTheSpecLeavesOpenAndTheSpecWins() throws Exception {
        UserConfig c = config("""
                sandbox: {backend: local, memory_mb: 2048, vcpus: 2}
                llm: {provider: anthropic, model: from-config}
                """);
        PipelineSpec s = spec("""
                api_version: v1
                kind: agent
                name: a
                sandbox: {vcpus: 4}
                agent: {prompt: hi}
                """, c);
        var box = s.boxes().getFirst();
        assertThat(box.sandbox().backend()).isEqualTo(Backend.LOCAL);
        assertThat(box.sandbox().memoryMb()).isEqualTo(2048);
        assertThat(box.sandbox().vcpus()).isEqualTo(4);
        assertThat(box.llm().provider()).contains(Provider.ANTHROPIC);
        assertThat(box.llm().model()).contains("from-config");
    }

    @Test
    void anLlmBlockForAnotherProviderIsNotApplied() throws Exception {
        Files.writeString(dir.resolve("s.yaml"), "turns: [{text: done}]\n");
        UserConfig c = config("llm: {provider: anthropic, model: claude-x, api_key_env: MY_KEY}\n");
        PipelineSpec s = spec("""
                api_version: v1
                kind: agent
                name: a
                llm: {provider: scripted, scenario: s.yaml}
                agent: {prompt: hi}
                """, c);
        var llm = s.boxes().getFirst().llm();
        assertThat(llm.provider()).contains(Provider.SCRIPTED);
        assertThat(llm.model()).isEmpty();
        assertThat(llm.apiKeyEnv()).isEmpty();
    }

    @Test
    void everyMistakeIsReportedWithItsLineAndVoidBoxOnlyFieldsSaySo() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                log_level: loud
                daemon_url: unix:///tmp/voidbox.sock
                paths: {log_dir: logs, snapshot_dir: /tmp/snaps}
                sandbox: {backend: cloud, memory_mb: 12}
                llm: {api_key_env: sk-ant-123, colour: red}
                """);
        SpecException e = catchThrowableOfType(SpecException.class, () -> UserConfig.load(file));
        assertThat(e.errors())
                .extracting(err -> err.line() + ":" + err.column() + " " + err.path() + ": " + err.message())
                .containsExactly(
                        "1:12 log_level: invalid value 'loud' (expected one of: error, warn, info, debug, trace, off)",
                        "2:1 daemon_url: not supported yet (this runtime runs in the calling process; there is no daemon)",
                        "3:24 paths.snapshot_dir: not supported yet (VM snapshots are not supported)",
                        "4:20 sandbox.backend: invalid value 'cloud' (expected one of: auto, vm, local, namespace)",
                        "4:38 sandbox.memory_mb: must be between 256 and 65536, got 12",
                        "5:20 llm.api_key_env: must be the NAME of an environment variable ([A-Za-z_][A-Za-z0-9_]*),"
                                + " not a key",
                        "5:32 llm.colour: unknown field 'colour' (allowed: provider, model, base_url, api_key_env)");
        assertThat(e.getMessage()).startsWith(file + ":1:12: log_level:");
    }

    @Test
    void logDirIsResolvedAgainstTheConfigurationsDirectory() throws Exception {
        assertThat(config("paths: {log_dir: logs}\n").logDir()).contains(dir.resolve("logs"));
        assertThat(config("paths: {log_dir: /var/log/vb}\n").logDir()).contains(Path.of("/var/log/vb"));
    }
}
