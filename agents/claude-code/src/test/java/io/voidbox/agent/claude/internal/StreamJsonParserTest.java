package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.voidbox.Usage;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.AssistantText;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ParseWarning;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.Result;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.Thinking;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolResult;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolUnfinished;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolUse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Robustness and synthetic-stream behaviour of {@link StreamJsonParser}. */
class StreamJsonParserTest {

    // ---- synthetic line builders (shapes copied from the 2.1.197 samples) ----

    private static String assistant(String msgId, String parent, String block) {
        return "{\"type\":\"assistant\",\"message\":{\"id\":\"" + msgId
                + "\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-sonnet-4-5\",\"content\":[" + block + "],\"stop_reason\":null},"
                + "\"parent_tool_use_id\":" + quoted(parent) + ",\"session_id\":\"s1\",\"uuid\":\"u\"}";
    }

    private static String toolUse(String id, String name, String inputJson) {
        return "{\"type\":\"tool_use\",\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"input\":" + inputJson + "}";
    }

    private static String text(String text) {
        return "{\"type\":\"text\",\"text\":\"" + text + "\"}";
    }

    private static String user(String parent, String block) {
        return "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[" + block + "]},"
                + "\"parent_tool_use_id\":" + quoted(parent) + ",\"session_id\":\"s1\",\"uuid\":\"u\"}";
    }

    private static String toolResult(String id, String contentJson, boolean isError) {
        return "{\"tool_use_id\":\"" + id + "\",\"type\":\"tool_result\",\"content\":" + contentJson + ",\"is_error\":"
                + isError + "}";
    }

    private static String result(int numTurns, String usageAndCost) {
        return "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"duration_ms\":1000,"
                + "\"duration_api_ms\":800,\"num_turns\":" + numTurns + ",\"result\":\"turns " + numTurns + "\","
                + "\"session_id\":\"s1\"" + usageAndCost + "}";
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    private static List<String> withLine(List<String> lines, int index, String line) {
        List<String> copy = new ArrayList<>(lines);
        copy.add(index, line);
        return copy;
    }

    // ---- bad lines ----

    @Test
    void garbageLineInTheMiddleIsWarnedOnceWithItsLineNumberAndParsingGoesOn() {
        List<String> lines = withLine(Samples.lines(Samples.BASH), 2, "Error: something printed garbage \u0007 here");
        Recorder r = Recorder.run(lines);

        List<ParseWarning> warnings = r.all(ParseWarning.class);
        assertThat(warnings).hasSize(1);
        ParseWarning w = warnings.getFirst();
        assertThat(w.line()).isEqualTo(3);
        assertThat(w.kind()).isEqualTo(ParseWarning.Kind.MALFORMED_JSON);
        assertThat(w.excerpt()).isEqualTo("Error: something printed garbage ? here");
        assertThat(w.message()).startsWith("malformed JSON");
        // everything after the garbage is still there, with shifted line numbers
        assertThat(r.first(ToolUse.class).line()).isEqualTo(4);
        assertThat(r.first(ToolResult.class).toolName()).isEqualTo("Bash");
        assertThat(r.first(Result.class).line()).isEqualTo(7);
        ClaudeRunSummary s = r.summary();
        assertThat(s.hasResult()).isTrue();
        assertThat(s.isError()).isFalse();
        assertThat(s.warnings()).isEqualTo(1);
    }

    @Test
    void truncatedLastLineIsWarnedAndFinishReportsTheMissingResult() {
        List<String> lines = new ArrayList<>(Samples.lines(Samples.BASH));
        String last = lines.removeLast();
        lines.add(last.substring(0, last.length() / 2));
        Recorder r = Recorder.run(lines);

        assertThat(r.all(ParseWarning.class))
                .extracting(ParseWarning::line, ParseWarning::kind)
                .containsExactly(
                        tuple(6L, ParseWarning.Kind.MALFORMED_JSON), tuple(6L, ParseWarning.Kind.MISSING_RESULT));
        assertThat(r.all(ParseWarning.class).getFirst().excerpt())
                .hasSize(83)
                .startsWith("{\"type\":\"result\"")
                .endsWith("...");
        assertThat(r.all(Result.class)).isEmpty();
        assertThat(r.first(ToolResult.class).content()).isEqualTo("hi");

        ClaudeRunSummary s = r.summary();
        assertThat(s.hasResult()).isFalse();
        assertThat(s.isError()).isTrue();
        assertThat(s.errorMessage()).isEqualTo("no result line in the stream");
        assertThat(s.usage().numTurns()).isEqualTo(2); // two top-level assistant messages
        assertThat(s.resultText()).isEqualTo("Done: wrote hi to /workspace/out.txt.");
        assertThat(s.usage().toolsUsed()).containsExactly("Bash");
    }

    @Test
    void truncatedStreamEventLineIsWarnedLikeAnyOther() {
        List<String> lines = new ArrayList<>(Samples.lines(Samples.PARTIAL));
        String delta = lines.get(4);
        assertThat(delta).startsWith("{\"type\":\"stream_event\",");
        lines.set(4, delta.substring(0, delta.length() - 20));
        Recorder r = Recorder.run(lines);

        assertThat(r.all(ParseWarning.class))
                .extracting(ParseWarning::line, ParseWarning::kind)
                .containsExactly(tuple(5L, ParseWarning.Kind.MALFORMED_JSON));
        assertThat(r.parser.skippedLines()).isEqualTo(26);
        assertThat(r.summary().hasResult()).isTrue();
    }

    @Test
    void jsonOfUnknownShapeIsWarnedOncePerLine() {
        Recorder r = Recorder.run(List.of(
                "[1,2,3]",
                "{\"no_type\":true}",
                "{\"type\":42}",
                "{\"type\":\"assistant\",\"message\":\"not an object\"}",
                "{\"type\":\"assistant\",\"session_id\":\"s1\"}",
                "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"content\":\"x\"}]}}",
                "{\"type\":\"result\",\"subtype\":\"success\",\"num_turns\":\"two\"}",
                "{\"type\":\"system\",\"subtype\":\"init\"} {\"type\":\"x\"}"));

        assertThat(r.all(ParseWarning.class))
                .extracting(ParseWarning::line)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 8L); // the last one: MISSING_RESULT at finish
        assertThat(r.all(ParseWarning.class).subList(0, 8))
                .allSatisfy(w -> assertThat(w.kind()).isEqualTo(ParseWarning.Kind.UNEXPECTED_SHAPE));
        assertThat(r.all(ParseWarning.class).get(6).message()).contains("num_turns");
        assertThat(r.events).allSatisfy(e -> assertThat(e).isInstanceOf(ParseWarning.class));
    }

    @Test
    void unknownTypesAndSubtypesAreSkippedWithoutWarnings() {
        Recorder r = Recorder.run(List.of(
                "{\"type\":\"rate_limit_event\",\"info\":{\"status\":\"allowed\"}}",
                "{\"type\":\"rate_limit_event\",\"info\":{\"status\":\"allowed\"}}",
                "{\"type\":\"system\",\"subtype\":\"compact_boundary\",\"compact_metadata\":{}}",
                "",
                "{\"type\":\"future_thing\",\"nested\":[{\"a\":[1,{\"b\":null}]}]}",
                result(1, "")));

        assertThat(r.all(ParseWarning.class)).isEmpty();
        assertThat(r.parser.skippedLines()).isEqualTo(4);
        assertThat(r.parser.lineCount()).isEqualTo(6);
        assertThat(r.first(Result.class).line()).isEqualTo(6);
    }

    @Test
    void fieldsAreReadInAnyOrderAndCarriageReturnsAreTolerated() {
        Recorder r = Recorder.run(
                List.of(
                        "{\"parent_tool_use_id\":null,\"message\":{\"content\":[{\"input\":{\"a\":1},\"name\":\"Read\",\"id\":\"t1\","
                                + "\"type\":\"tool_use\"}],\"id\":\"m1\"},\"type\":\"assistant\"}\r",
                        "{\"message\":{\"content\":[{\"content\":\"ok\",\"type\":\"tool_result\",\"tool_use_id\":\"t1\"}]},\"type\":\"user\"}\r"));

        assertThat(r.first(ToolUse.class).toolName()).isEqualTo("Read");
        assertThat(r.first(ToolUse.class).inputJson()).isEqualTo("{\"a\":1}");
        assertThat(r.first(ToolResult.class).toolName()).isEqualTo("Read");
        assertThat(r.all(ParseWarning.class))
                .extracting(ParseWarning::kind)
                .containsExactly(ParseWarning.Kind.MISSING_RESULT);
    }

    // ---- results ----

    @Test
    void severalResultLinesSumTurnsAndKeepTheLastCumulativeCostWithoutIncrements() {
        Recorder r = Recorder.run(List.of(
                result(1, ",\"total_cost_usd\":0.5,\"usage\":{\"input_tokens\":10,\"output_tokens\":20}"),
                result(3, ",\"total_cost_usd\":1.25,\"usage\":{\"input_tokens\":30,\"output_tokens\":40}")));

        assertThat(r.all(Result.class)).hasSize(2);
        ClaudeRunSummary s = r.summary();
        assertThat(s.usage().numTurns()).as("every result line counts").isEqualTo(1 + 3);
        assertThat(s.usage().costUsd()).isEqualTo(1.25);
        assertThat(s.usage().inputTokens()).isEqualTo(30);
        assertThat(s.usage().outputTokens()).isEqualTo(40);
        assertThat(s.resultText()).isEqualTo("turns 3");
    }

    @Test
    void modelUsageSumsArePreferredOverUsageAndTotalCostOverModelCosts() {
        String usage = ",\"usage\":{\"input_tokens\":1,\"output_tokens\":2,\"cache_read_input_tokens\":3,"
                + "\"cache_creation_input_tokens\":4}";
        String modelUsage = ",\"modelUsage\":{"
                + "\"claude-sonnet-4-5\":{\"inputTokens\":100,\"outputTokens\":200,\"cacheReadInputTokens\":300,"
                + "\"cacheCreationInputTokens\":400,\"webSearchRequests\":0,\"costUSD\":0.25,\"contextWindow\":200000},"
                + "\"claude-haiku-4-5\":{\"inputTokens\":10,\"outputTokens\":20,\"cacheReadInputTokens\":30,"
                + "\"cacheCreationInputTokens\":40,\"costUSD\":0.05}}";

        Result withoutTotal =
                Recorder.run(List.of(result(2, usage + modelUsage))).first(Result.class);
        assertThat(withoutTotal.tokens()).isEqualTo(new Usage.Tokens(110, 220, 330, 440));
        assertThat(withoutTotal.usage()).isEqualTo(new Usage.Tokens(1, 2, 3, 4));
        assertThat(withoutTotal.costUsd()).isCloseTo(0.30, within(1e-12));
        assertThat(withoutTotal.modelUsage().keySet()).containsExactly("claude-sonnet-4-5", "claude-haiku-4-5");

        Recorder withTotal = Recorder.run(List.of(result(2, ",\"total_cost_usd\":0.31" + usage + modelUsage)));
        assertThat(withTotal.first(Result.class).costUsd()).isEqualTo(0.31);
        ClaudeRunSummary s = withTotal.summary();
        assertThat(s.usage().inputTokens()).isEqualTo(110);
        assertThat(s.usage().outputTokens()).isEqualTo(220);
        assertThat(s.usage().tokens().cacheReadTokens()).isEqualTo(330);
        assertThat(s.usage().tokens().cacheCreationTokens()).isEqualTo(440);
        assertThat(s.usage().costUsd()).isEqualTo(0.31);

        Result usageOnly =
                Recorder.run(List.of(result(1, usage + ",\"modelUsage\":{}"))).first(Result.class);
        assertThat(usageOnly.tokens()).isEqualTo(new Usage.Tokens(1, 2, 3, 4));
    }

    @Test
    void errorSubtypeWithErrorsListIsAnErrorWithThoseMessages() {
        Result res = Recorder.run(
                        List.of(
                                "{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"is_error\":false,"
                                        + "\"duration_ms\":5,\"num_turns\":0,\"session_id\":\"s1\",\"errors\":[\"boom\",\"bang\"]}"))
                .first(Result.class);
        assertThat(res.isError()).isTrue();
        assertThat(res.errorMessage()).isEqualTo("boom; bang");

        Result bare = Recorder.run(List.of("{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true}"))
                .first(Result.class);
        assertThat(bare.errorMessage()).isEqualTo("error_max_turns");
    }

    // ---- tools ----

    @Test
    void toolResultContentGivenAsListOfBlocksIsJoinedText() {
        Recorder r = Recorder.run(List.of(
                assistant("m1", null, toolUse("t1", "Read", "{\"file_path\":\"/a\"}")),
                assistant("m1", null, toolUse("t2", "Read", "{\"file_path\":\"/b.png\"}")),
                user(
                        null,
                        toolResult(
                                        "t1",
                                        "[{\"type\":\"text\",\"text\":\"line one\"},{\"type\":\"text\",\"text\":\"line two\"}]",
                                        false)
                                + ","
                                + toolResult(
                                        "t2",
                                        "[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"data\":\"AAAA\"}}]",
                                        true))));

        List<ToolResult> results = r.all(ToolResult.class);
        assertThat(results)
                .extracting(ToolResult::toolUseId, ToolResult::content, ToolResult::isError)
                .containsExactly(tuple("t1", "line one\nline two", false), tuple("t2", "[image]", true));
        assertThat(r.summary().toolErrors()).isEqualTo(1);
    }

    @Test
    void toolDurationIsMeasuredOnTheInjectedClock() {
        Recorder r = new Recorder();
        r.parser.accept(assistant("m1", null, toolUse("t1", "Bash", "{\"command\":\"sleep 1\"}")));
        r.clock.advance(1_250_000_000L);
        r.parser.accept(assistant("m2", null, text("still waiting")));
        r.clock.advance(500_000_000L);
        r.parser.accept(user(null, toolResult("t1", "\"\"", false)));

        ToolResult res = r.first(ToolResult.class);
        assertThat(res.durationNanos()).isEqualTo(1_750_000_000L);
        assertThat(res.durationMs()).isEqualTo(1750);
    }

    @Test
    void toolUseInputIsTheExactJsonOfTheLine() {
        String input =
                "{\"command\":\"printf '\\u00e9\\\\n\\\"q\\\"' && echo \u00e9\u4e2d\ud83d\ude00\",\"nested\":{\"list\":[1,2.5,null,true],\"empty\":{}}}";
        Recorder r = Recorder.run(List.of(assistant("m1", null, toolUse("t1", "Bash", input))));
        assertThat(r.first(ToolUse.class).inputJson()).isEqualTo(input);
    }

    @Test
    void finishReportsToolUsesThatNeverGotAResult() {
        Recorder r = new Recorder();
        r.parser.accept(assistant("m1", null, toolUse("t1", "Bash", "{}")));
        r.parser.accept(assistant("m1", null, toolUse("t2", "Read", "{}")));
        r.parser.accept(user(null, toolResult("t1", "\"done\"", false)));
        r.clock.advance(3_000_000L);
        assertThat(r.parser.pendingToolCalls()).isEqualTo(1);
        r.parser.finish();
        r.parser.finish(); // idempotent

        List<ToolUnfinished> unfinished = r.all(ToolUnfinished.class);
        assertThat(unfinished).hasSize(1);
        assertThat(unfinished.getFirst().toolUseId()).isEqualTo("t2");
        assertThat(unfinished.getFirst().toolName()).isEqualTo("Read");
        assertThat(unfinished.getFirst().line()).isEqualTo(2);
        assertThat(unfinished.getFirst().elapsedNanos()).isEqualTo(3_000_000L);
        assertThat(r.all(ParseWarning.class))
                .extracting(ParseWarning::kind)
                .containsExactly(ParseWarning.Kind.MISSING_RESULT);
        assertThat(r.parser.pendingToolCalls()).isZero();
        assertThatThrownBy(() -> r.parser.accept("{}")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void toolResultForAnUnknownToolUseIsWarnedAndStillReported() {
        Recorder r = Recorder.run(List.of(user(null, toolResult("nope", "\"x\"", true))));
        assertThat(r.events.subList(0, 2))
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly("ParseWarning", "ToolResult");
        assertThat(r.first(ParseWarning.class).kind()).isEqualTo(ParseWarning.Kind.ORPHAN_TOOL_RESULT);
        assertThat(r.first(ParseWarning.class).line()).isEqualTo(1);
        assertThat(r.first(ToolResult.class).toolName()).isNull();
        assertThat(r.first(ToolResult.class).durationMs()).isEqualTo(-1);
    }

    // ---- messages ----

    @Test
    void blocksRepeatedUnderTheSameMessageIdAreEmittedOnce() {
        Recorder r = Recorder.run(List.of(
                assistant("m1", null, text("Let me look.")),
                assistant("m1", null, text("Let me look.") + "," + toolUse("t1", "Read", "{}")),
                assistant("m1", null, text("Let me look.") + "," + toolUse("t1", "Read", "{}")),
                assistant("m2", null, text("Let me look."))));

        assertThat(r.all(AssistantText.class))
                .extracting(AssistantText::messageId)
                .containsExactly("m1", "m2");
        assertThat(r.all(ToolUse.class)).hasSize(1);
        assertThat(r.summary().usage().toolCalls()).isEqualTo(1);
        assertThat(r.summary().usage().numTurns()).isEqualTo(2); // no result line: counted messages
    }

    @Test
    void thinkingBlocksAreReported() {
        Recorder r = Recorder.run(List.of(assistant(
                        "m1",
                        null,
                        "{\"type\":\"thinking\",\"thinking\":\"Need to check the file.\",\"signature\":\"abc\"}")
                .replace("}],\"stop", "},{\"type\":\"redacted_thinking\",\"data\":\"xyz\"}],\"stop")));
        assertThat(r.all(Thinking.class))
                .extracting(Thinking::text, Thinking::messageId)
                .containsExactly(tuple("Need to check the file.", "m1"));
        assertThat(r.all(ParseWarning.class))
                .extracting(ParseWarning::kind)
                .containsExactly(ParseWarning.Kind.MISSING_RESULT);
    }

    @Test
    void subagentEventsCarryTheParentToolUseId() {
        Recorder r = Recorder.run(List.of(
                assistant(
                        "m1",
                        null,
                        toolUse(
                                "task1",
                                "Task",
                                "{\"description\":\"find\",\"prompt\":\"Find x\",\"subagent_type\":\"Explore\"}")),
                user("task1", text("Find x")),
                assistant("sub1", "task1", text("Searching.")),
                assistant("sub1", "task1", toolUse("t2", "Grep", "{\"pattern\":\"x\"}")),
                user("task1", toolResult("t2", "\"a.txt:1:x\"", false)),
                assistant("sub2", "task1", text("x is in a.txt")),
                user(null, toolResult("task1", "[{\"type\":\"text\",\"text\":\"x is in a.txt\"}]", false)),
                assistant("m2", null, text("Found it.")),
                result(2, ",\"total_cost_usd\":0.01")));

        assertThat(r.events)
                .extracting(e -> e.getClass().getSimpleName(), ClaudeStreamEvent::parentToolUseId)
                .containsExactly(
                        tuple("ToolUse", null),
                        tuple("AssistantText", "task1"),
                        tuple("ToolUse", "task1"),
                        tuple("ToolResult", "task1"),
                        tuple("AssistantText", "task1"),
                        tuple("ToolResult", null),
                        tuple("AssistantText", null),
                        tuple("Result", null));
        ToolResult task = r.all(ToolResult.class).get(1);
        assertThat(task.toolName()).isEqualTo("Task");
        assertThat(task.durationNanos()).isEqualTo(6 * Recorder.TICK_NANOS);
        ClaudeRunSummary s = r.summary();
        assertThat(s.usage().toolCalls()).isEqualTo(2);
        assertThat(s.usage().toolsUsed()).containsExactly("Task", "Grep");
        assertThat(s.resultText()).isEqualTo("turns 2");
    }

    @Test
    void summaryWithoutResultUsesTheSyntheticAssistantError() {
        List<String> lines = Samples.lines(Samples.API_ERROR);
        Recorder r = Recorder.run(lines.subList(0, 2));
        ClaudeRunSummary s = r.summary();
        assertThat(s.hasResult()).isFalse();
        assertThat(s.isError()).isTrue();
        assertThat(s.errorMessage()).isEqualTo("API Error: 400 scripted bad request");
        assertThat(s.usage().model()).isEqualTo("claude-sonnet-4-5");
    }

    @Test
    void excerptIsBoundedAndPrintable() {
        assertThat(StreamJsonParser.excerpt("a\tb\nc")).isEqualTo("a?b?c");
        assertThat(StreamJsonParser.excerpt("x".repeat(200))).hasSize(83).endsWith("...");
        assertThat(StreamJsonParser.excerpt("x".repeat(79) + "\ud83d\ude00" + "y"))
                .isEqualTo("x".repeat(79) + "...");
    }
}
