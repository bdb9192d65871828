package io.voidbox.agent.codex.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The shapes the real transcripts do not cover (MCP calls, web searches, plans, broken lines), written
 * after the item schema of {@code codex exec --json}; the real transcripts are in
 * {@link CodexJsonlParserSamplesTest}.
 */
class CodexJsonlParserTest {
    private final List<CodexEvent> events = new ArrayList<>();
    private final CodexJsonlParser parser = new CodexJsonlParser(events::add, () -> 0);

    private <T extends CodexEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void mcpCallsCarryServerToolAndArgumentsAndTheirErrors() {
        parser.accept("""
                {"type":"item.started","item":{"id":"item_0","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"otel"},"result":null,"error":null,"status":"in_progress"}}""");
        parser.accept("""
                {"type":"item.completed","item":{"id":"item_0","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"otel"},"result":{"content":[{"type":"text","text":"found 3"}],"structured_content":null},"error":null,"status":"completed"}}""");
        parser.accept("""
                {"type":"item.completed","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"read","arguments":null,"result":null,"error":{"message":"File not found"},"status":"failed"}}""");

        assertThat(of(CodexEvent.ToolStarted.class))
                .singleElement()
                .satisfies(t -> assertThat(t.input())
                        .isEqualTo("{\"server\":\"docs\",\"tool\":\"search\",\"arguments\":{\"q\":\"otel\"}}"));
        List<CodexEvent.ToolCompleted> done = of(CodexEvent.ToolCompleted.class);
        assertThat(done.get(0).output()).isEqualTo("found 3");
        assertThat(done.get(0).isError()).isFalse();
        assertThat(done.get(1).output()).isEqualTo("File not found");
        assertThat(done.get(1).isError()).isTrue();
        assertThat(done.get(1).started()).as("completed without item.started").isFalse();
    }

    @Test
    void webSearchIsAToolPlansAndReasoningAreNot() {
        parser.accept("""
                {"type":"item.started","item":{"id":"item_0","type":"todo_list","items":[{"text":"look","completed":false}]}}""");
        parser.accept("""
                {"type":"item.completed","item":{"id":"item_1","type":"reasoning","text":"**Looking things up**"}}""");
        parser.accept("""
                {"type":"item.completed","item":{"id":"item_2","type":"web_search","query":"codex exec json"}}""");
        parser.accept("""
                {"type":"item.updated","item":{"id":"item_0","type":"todo_list","items":[{"text":"look","completed":true}]}}""");
        parser.accept("""
                {"type":"item.completed","item":{"id":"item_0","type":"todo_list","items":[{"text":"look","completed":true}]}}""");

        assertThat(of(CodexEvent.ToolCompleted.class)).singleElement().satisfies(t -> {
            assertThat(t.kind()).isEqualTo("web_search");
            assertThat(t.input()).isEqualTo("codex exec json");
            assertThat(t.isError()).isFalse();
        });
        assertThat(of(CodexEvent.Reasoning.class))
                .extracting(CodexEvent.Reasoning::text)
                .containsExactly("**Looking things up**");
        assertThat(of(CodexEvent.ToolStarted.class)).isEmpty();
    }

    @Test
    void anUnknownItemKindIsATool() {
        parser.accept("""
                {"type":"item.started","item":{"id":"item_5","type":"image_generation","prompt":"a box","status":"in_progress"}}""");
        parser.accept("""
                {"type":"item.completed","item":{"id":"item_5","type":"image_generation","prompt":"a box","status":"completed"}}""");

        assertThat(of(CodexEvent.ToolCompleted.class)).singleElement().satisfies(t -> {
            assertThat(t.kind()).isEqualTo("image_generation");
            assertThat(t.input()).isEqualTo("{\"prompt\":\"a box\"}");
            assertThat(t.output()).isEqualTo("completed");
        });
    }

    @Test
    void brokenLinesGiveOneWarningEachAndParsingGoesOn() {
        parser.accept("{\"type\":\"turn.started\"");
        parser.accept("[1,2]");
        parser.accept("{\"type\":\"item.completed\",\"item\":{\"text\":\"no id\"}}");
        parser.accept("");
        parser.accept("{\"type\":\"session.configured\",\"x\":1}");
        parser.accept("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":-5,\"output_tokens\":\"many\"}}");

        assertThat(of(CodexEvent.ParseWarning.class))
                .extracting(CodexEvent.ParseWarning::line)
                .containsExactly(1L, 2L, 3L);
        assertThat(of(CodexEvent.ParseWarning.class).get(0).message()).startsWith("malformed JSON");
        assertThat(parser.skippedLines()).isEqualTo(1);
        assertThat(of(CodexEvent.TurnCompleted.class))
                .singleElement()
                .satisfies(t -> assertThat(t.usage()).isEqualTo(CodexTokens.NONE));
    }

    @Test
    void aToolStillRunningAtTheEndIsReportedUnfinished() {
        parser.accept("""
                {"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"sleep 100","aggregated_output":"","exit_code":null,"status":"in_progress"}}""");
        parser.finish();
        parser.finish();

        assertThat(of(CodexEvent.ToolUnfinished.class))
                .singleElement()
                .satisfies(u -> assertThat(u.kind()).isEqualTo("command_execution"));
        assertThatThrownBy(() -> parser.accept("{}")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void turnFailedReadsTheErrorItCarries() {
        parser.accept(
                "{\"type\":\"turn.failed\",\"error\":{\"message\":\"unexpected status 503 Service Unavailable: down\"}}");

        assertThat(of(CodexEvent.TurnFailed.class))
                .singleElement()
                .satisfies(f -> assertThat(f.error().httpStatus()).isEqualTo(OptionalInt.of(503)));
    }
}
