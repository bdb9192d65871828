package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode e(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void savedEventsPrintAsTheSpanTreeWithNestedSubagentTools() throws Exception {
        List<JsonNode> events = List.of(
                e("{\"ts\":\"2026-11-25T10:00:00.000Z\",\"type\":\"run.started\",\"pipeline\":\"p\"}"),
                e("{\"ts\":\"2026-11-25T10:00:00.100Z\",\"type\":\"stage.started\",\"box\":\"a\"}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:01.000Z\",\"type\":\"agent.started\",\"box\":\"a\",\"agent\":\"claude\"}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:02.000Z\",\"type\":\"agent.tool_call\",\"box\":\"a\",\"tool\":\"Task\",\"tool_use_id\":\"t1\"}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:02.500Z\",\"type\":\"agent.tool_call\",\"box\":\"a\",\"tool\":\"Bash\",\"tool_use_id\":\"t2\",\"parent_tool_use_id\":\"t1\"}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:03.000Z\",\"type\":\"agent.tool_result\",\"box\":\"a\",\"tool_use_id\":\"t2\",\"is_error\":true}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:04.000Z\",\"type\":\"agent.tool_result\",\"box\":\"a\",\"tool_use_id\":\"t1\",\"is_error\":false}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:05.000Z\",\"type\":\"agent.result\",\"box\":\"a\",\"model\":\"m\",\"num_turns\":3,\"input_tokens\":10,\"output_tokens\":5,\"cost_usd\":0.5}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:05.100Z\",\"type\":\"stage.completed\",\"box\":\"a\",\"backend\":\"vm\",\"accel\":\"tcg\",\"tool_calls\":2,\"input_tokens\":10,\"output_tokens\":5,\"cost_usd\":0.5}"),
                e(
                        "{\"ts\":\"2026-11-25T10:00:05.200Z\",\"type\":\"run.completed\",\"input_tokens\":10,\"output_tokens\":5,\"cost_usd\":0.5}"));
        var roots = TraceCommand.build(events);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceCommand.print(roots.getFirst(), 0, new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0))
                .startsWith("pipeline:p")
                .contains("5.2s")
                .contains("tokens 10/5")
                .contains("$0.5000");
        assertThat(lines.get(1)).startsWith("  stage:a").contains("[vm/tcg]");
        assertThat(lines.get(2)).startsWith("    claude.exec").contains("4.0s").contains("turns 3");
        assertThat(lines.get(3)).startsWith("      claude.tool.Task").contains("2.0s");
        assertThat(lines.get(4))
                .startsWith("        claude.tool.Bash")
                .contains("0.5s")
                .contains("ERROR");
    }

    @Test
    void aFileWithoutARunIsBadInput() throws Exception {
        var f = Files.createTempFile("events", ".jsonl");
        try {
            Files.writeString(f, "not json\n");
            assertThat(VoidboxCommand.execute("trace", "--events", f.toString()))
                    .isEqualTo(2);
        } finally {
            Files.delete(f);
        }
    }
}
