package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real API key (here for a "custom" Anthropic-compatible endpoint) reaches the agent and nothing
 * else: not the events, not the console, not a file the agent's CLI wrote in its home or workspace.
 */
class SecretsNeverLeakTest {
    private static final String KEY = "sk-ant-test-" + "7f3a9c2e41b84d6b";

    @TempDir
    Path dir;

    @Test
    void apiKeyIsUsedButNeverLoggedExportedOrWrittenToDisk() throws Exception {
        Scenario scenario = Scenario.parse("""
                turns:
                  - tool_use:
                      - name: Bash
                        input: {command: "test -n \\"$ANTHROPIC_API_KEY\\" && echo key-present; grep -rl \\"$ANTHROPIC_API_KEY\\" \\"$HOME\\" \\"$PWD\\" ; echo grep-exit=$?"}
                  - text: done
                """, "leak.yaml");
        try (ScriptedModelServer server = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS)) {
            String route = server.register(scenario, Map.of());
            Path spec = Files.writeString(dir.resolve("agent.yaml"), """
                    api_version: v1
                    kind: agent
                    name: keyed
                    sandbox: {backend: local}
                    llm: {provider: custom, base_url: "%s", api_key_env: MY_PROVIDER_KEY}
                    agent: {prompt: "check the key", timeout_secs: 120, allowed_tools: [Bash]}
                    """.formatted(server.baseUrl(route)));
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("MY_PROVIDER_KEY", KEY);
            env.put("VOIDBOX_OTEL_DEBUG", "1");
            Path events = dir.resolve("events.jsonl");
            PrintStream err = System.err;
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            int exit;
            System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
            try {
                exit = VoidboxCommand.execute(
                        env, "run", "--file", spec.toString(), "--events", events.toString(), "-v");
            } finally {
                System.setErr(err);
            }
            String all = Files.readString(events);
            assertThat(exit).as(console.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(all).contains("key-present").contains("grep-exit=1");
            assertThat(all).doesNotContain(KEY);
            assertThat(console.toString(StandardCharsets.UTF_8)).doesNotContain(KEY);
        }
    }
}
