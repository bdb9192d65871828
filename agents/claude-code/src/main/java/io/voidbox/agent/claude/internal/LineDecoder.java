package io.voidbox.agent.claude.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.voidbox.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes one stream-json line into a {@link DecodedLine} with Jackson's streaming parser: fields
 * are read in any order, everything we do not use is skipped without materializing it, and
 * {@code tool_use.input} is cut out of the line as the exact JSON text instead of being re-serialized.
 * A line is decoded completely before anything is emitted, so a truncated line yields no partial
 * events. Not thread-safe: owned by one {@link StreamJsonParser}.
 */
final class LineDecoder {

    /** Thrown for valid JSON of a shape we cannot use; carries only a message (no stack trace). */
    static final class ShapeException extends Exception {
        ShapeException(String message) {
            super(message, null, false, false);
        }
    }

    private static final String STREAM_EVENT_PREFIX = "{\"type\":\"stream_event\",";

    /** The token counts of a {@code usage} object: input, output, cache read, cache creation. */
    private static final List<String> USAGE_TOKENS =
            List.of("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens");
    /** The same counts as {@code modelUsage} spells them. */
    private static final List<String> MODEL_USAGE_TOKENS =
            List.of("inputTokens", "outputTokens", "cacheReadInputTokens", "cacheCreationInputTokens");

    private final JsonFactory factory;
    /** What every skipped partial-message delta decodes to. */
    private final DecodedLine streamEvent = new DecodedLine();

    private DecodedLine out;
    private String line;
    // Last values seen, reused when a line repeats them (message ids, parent ids, models).
    private String lastMessageId;
    private String lastParentId;
    private String lastModel;

    LineDecoder() {
        this.factory = JsonFactory.builder()
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        streamEvent.kind = DecodedLine.Kind.STREAM_EVENT;
    }

    /**
     * Decodes {@code line} into a new {@link DecodedLine} (a skipped partial-message delta: one shared
     * instance that says only its kind).
     *
     * @throws JsonProcessingException when the line is not (complete) JSON
     * @throws ShapeException          when it is JSON but not a usable stream-json object
     */
    DecodedLine decode(String line) throws IOException, ShapeException {
        if (line.startsWith(STREAM_EVENT_PREFIX) && StructuralCheck.isComplete(line)) {
            // Partial-message deltas are most of a --include-partial-messages stream and carry nothing
            // we use: recognize the CLI's fixed prefix and skip Jackson (and its per-parser allocation).
            return streamEvent;
        }
        out = new DecodedLine();
        this.line = line;
        try (JsonParser p = factory.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ShapeException("not a JSON object");
            }
            readTop(p);
            if (p.nextToken() != null) {
                throw new ShapeException("trailing content after the JSON object");
            }
        } finally {
            this.line = null;
        }
        if (out.kind == null) {
            throw new ShapeException("no string \"type\" field");
        }
        if ((out.kind == DecodedLine.Kind.ASSISTANT || out.kind == DecodedLine.Kind.USER) && !out.hasMessage) {
            throw new ShapeException(out.kind.name().toLowerCase(Locale.ROOT) + " line without a \"message\" object");
        }
        return out;
    }

    private boolean wants(DecodedLine.Kind k) {
        return out.kind == null || out.kind == k;
    }

    private void readTop(JsonParser p) throws IOException, ShapeException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "type" -> out.kind = kindOf(p);
                case "subtype" ->
                    out.subtype =
                            wants(DecodedLine.Kind.SYSTEM) || wants(DecodedLine.Kind.RESULT) ? text(p, f) : skip(p);
                case "session_id" ->
                    out.sessionId =
                            wants(DecodedLine.Kind.SYSTEM) || wants(DecodedLine.Kind.RESULT) ? text(p, f) : skip(p);
                case "parent_tool_use_id" -> out.parentToolUseId = lastParentId = reuse(p, f, lastParentId);
                case "message" -> {
                    if (p.currentToken() == JsonToken.VALUE_STRING) {
                        out.systemMessage = p.getText(); // system/permission_denied
                    } else if (wants(DecodedLine.Kind.ASSISTANT) || wants(DecodedLine.Kind.USER)) {
                        readMessage(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "error" ->
                    out.error = wants(DecodedLine.Kind.ASSISTANT) || wants(DecodedLine.Kind.SYSTEM)
                            ? scalarText(p)
                            : skip(p);
                case "api_error_status" -> {
                    // on result lines, and on the synthetic assistant message of newer CLIs
                    if (p.currentToken() != JsonToken.VALUE_NULL) {
                        out.apiErrorStatus = (int) number(p, f);
                    }
                }
                default -> {
                    if (wants(DecodedLine.Kind.SYSTEM) && readSystemField(p, f)) {
                        break;
                    }
                    if (wants(DecodedLine.Kind.RESULT) && readResultField(p, f)) {
                        break;
                    }
                    p.skipChildren();
                }
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new ShapeException("unexpected token " + t);
        }
    }

    /** Fields of {@code system} lines: init, api_retry, permission_denied, task_started, task_notification. */
    private boolean readSystemField(JsonParser p, String f) throws IOException, ShapeException {
        switch (f) {
            case "model" -> out.model = lastModel = reuse(p, f, lastModel);
            case "cwd" -> out.cwd = text(p, f);
            case "claude_code_version" -> out.claudeCodeVersion = text(p, f);
            case "permissionMode" -> out.permissionMode = text(p, f);
            case "tools" -> out.tools = stringList(p, f);
            case "attempt" -> out.attempt = (int) number(p, f);
            case "max_retries" -> out.maxRetries = (int) number(p, f);
            case "retry_delay_ms" -> out.retryDelayMs = number(p, f);
            case "error_status" -> {
                if (p.currentToken() != JsonToken.VALUE_NULL) {
                    out.errorStatus = (int) number(p, f);
                }
            }
            case "tool_name" -> out.toolName = text(p, f);
            case "tool_use_id" -> out.toolUseId = text(p, f);
            case "task_id" -> out.taskId = text(p, f);
            case "description" -> out.description = stringOrSkip(p);
            case "subagent_type" -> out.subagentType = stringOrSkip(p);
            case "is_backgrounded" -> out.backgrounded = p.currentToken() == JsonToken.VALUE_NULL ? null : bool(p, f);
            case "status" -> out.status = stringOrSkip(p);
            case "usage" -> {
                if (out.kind == DecodedLine.Kind.SYSTEM) {
                    readUsage(p); // task_notification: total_tokens, tool_uses, duration_ms
                } else {
                    return false; // a result line whose type comes later
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private boolean readResultField(JsonParser p, String f) throws IOException, ShapeException {
        switch (f) {
            case "is_error" -> out.isError = bool(p, f);
            case "duration_ms" -> out.durationMs = number(p, f);
            case "duration_api_ms" -> out.durationApiMs = number(p, f);
            case "num_turns" -> out.numTurns = (int) number(p, f);
            case "result" -> out.resultText = text(p, f);
            case "total_cost_usd" -> {
                if (p.currentToken() != JsonToken.VALUE_NULL) {
                    out.totalCostUsd = decimal(p, f);
                }
            }
            case "usage" -> out.usage = readUsage(p);
            case "modelUsage" -> out.modelUsage = readModelUsage(p, f);
            case "model_usage_since_last_result" -> {
                out.sinceLastResult = readModelUsage(p, f);
                if (out.sinceLastResult == null) {
                    out.sinceLastResult = Map.of();
                }
            }
            case "result_index" -> {
                if (p.currentToken() != JsonToken.VALUE_NULL) {
                    out.resultIndex = (int) number(p, f);
                }
            }
            case "terminal_reason" -> out.terminalReason = stringOrSkip(p);
            case "permission_denials" -> out.denials = readDenials(p, f);
            case "errors" -> out.errors = stringList(p, f);
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * A {@code usage} object: token counts (result and assistant lines), or the figures of a
     * {@code task_notification} ({@code total_tokens}, {@code tool_uses}, {@code duration_ms}).
     */
    private Usage.Tokens readUsage(JsonParser p) throws IOException, ShapeException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectObject(p, "usage");
        long[] tokens = new long[4];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (readToken(p, f, USAGE_TOKENS, tokens)) continue;
            switch (f) {
                case "total_tokens" -> out.taskTotalTokens = number(p, f);
                case "tool_uses" -> out.taskToolUses = (int) number(p, f);
                case "duration_ms" -> out.taskDurationMs = number(p, f);
                default -> p.skipChildren();
            }
        }
        return new Usage.Tokens(tokens[0], tokens[1], tokens[2], tokens[3]);
    }

    /**
     * Reads field {@code f} into {@code tokens} when {@code names} (one of the spellings above)
     * holds it; false, with the value not read, when it is not a token count.
     */
    private static boolean readToken(JsonParser p, String f, List<String> names, long[] tokens)
            throws IOException, ShapeException {
        int i = names.indexOf(f);
        if (i < 0) return false;
        tokens[i] = number(p, f);
        return true;
    }

    /** {@code permission_denials}: objects with {@code tool_name} and {@code tool_use_id} (input skipped). */
    private static List<DecodedLine.Denial> readDenials(JsonParser p, String field) throws IOException, ShapeException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new ShapeException("\"" + field + "\" is not an array");
        }
        List<DecodedLine.Denial> list = new ArrayList<>();
        forEachObject(p, "tool_name", "tool_use_id", (name, id) -> list.add(new DecodedLine.Denial(name, id)));
        return list;
    }

    /** Takes the string values of two fields of an object (null when absent or not a string). */
    @FunctionalInterface
    private interface TwoFields {
        void accept(String first, String second);
    }

    /**
     * The objects of the array at {@code p}, each as the values of its fields {@code first} and
     * {@code second}; other fields and elements that are not objects are skipped.
     */
    private static void forEachObject(JsonParser p, String first, String second, TwoFields each) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String a = null;
            String b = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals(first)) a = stringOrSkip(p);
                else if (f.equals(second)) b = stringOrSkip(p);
                else p.skipChildren();
            }
            each.accept(a, b);
        }
    }

    private Map<String, ModelUsage> readModelUsage(JsonParser p, String field) throws IOException, ShapeException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expectObject(p, field);
        Map<String, ModelUsage> result = DecodedLine.newModelUsage();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String model = p.currentName();
            p.nextToken();
            expectObject(p, field + "." + model);
            long[] tokens = new long[4];
            double cost = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (readToken(p, f, MODEL_USAGE_TOKENS, tokens)) continue;
                if (f.equals("costUSD")) cost = decimal(p, f);
                else p.skipChildren();
            }
            result.put(model, new ModelUsage(tokens[0], tokens[1], tokens[2], tokens[3], cost));
        }
        return result;
    }

    private void readMessage(JsonParser p) throws IOException, ShapeException {
        expectObject(p, "message");
        out.hasMessage = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            switch (f) {
                case "id" -> out.messageId = lastMessageId = reuse(p, "message.id", lastMessageId);
                case "model" -> out.messageModel = lastModel = reuse(p, "message.model", lastModel);
                case "content" -> readContent(p);
                case "usage" -> out.messageUsage = readUsage(p);
                default -> p.skipChildren();
            }
        }
    }

    private void readContent(JsonParser p) throws IOException, ShapeException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            // Plain-string content: a prompt on user lines, text on assistant lines.
            DecodedLine.Block b = out.newBlock();
            b.type = DecodedLine.BlockType.TEXT;
            b.seenType = true;
            b.text = p.getText();
            return;
        }
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_ARRAY) {
            throw new ShapeException("message.content is neither a string nor an array");
        }
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                throw new ShapeException("message.content element is not an object");
            }
            readBlock(p, out.newBlock());
        }
    }

    private void readBlock(JsonParser p, DecodedLine.Block b) throws IOException, ShapeException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "type" -> {
                    b.type = blockTypeOf(p);
                    b.seenType = true;
                }
                // Lenient about value types here: blocks of types we do not use (server tools, citations)
                // may shape these fields differently; required fields are checked per type below.
                case "text", "thinking" -> b.text = stringOrSkip(p);
                case "id", "tool_use_id" -> b.id = stringOrSkip(p);
                case "name" -> b.name = stringOrSkip(p);
                case "is_error" -> b.isError = v == JsonToken.VALUE_TRUE;
                case "input" -> b.inputJson = rawJson(p);
                case "content" -> b.text = toolResultContent(p);
                default -> p.skipChildren();
            }
        }
        if (!b.seenType) {
            throw new ShapeException("content block without \"type\"");
        }
        switch (b.type) {
            case TOOL_USE -> {
                if (b.id == null || b.name == null) {
                    throw new ShapeException("tool_use block without \"id\" or \"name\"");
                }
                if (b.inputJson == null) {
                    b.inputJson = "{}";
                }
            }
            case TOOL_RESULT -> {
                if (b.id == null) {
                    throw new ShapeException("tool_result block without \"tool_use_id\"");
                }
                if (b.text == null) {
                    b.text = "";
                }
            }
            case TEXT, THINKING -> {
                if (b.text == null) {
                    b.text = "";
                }
            }
            case OTHER -> {}
        }
    }

    /** tool_result content: a string, null, or a list of blocks whose texts are joined by newlines. */
    private String toolResultContent(JsonParser p) throws IOException, ShapeException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return "";
        }
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return "";
        }
        List<String> parts = new ArrayList<>(1);
        forEachObject(
                p,
                "type",
                "text",
                (type, text) -> parts.add("text".equals(type) ? (text == null ? "" : text) : "[" + type + "]"));
        return parts.size() == 1 ? parts.getFirst() : String.join("\n", parts);
    }

    /** The current value (object, array or scalar) as the exact JSON text of the line. */
    private String rawJson(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            int start = (int) p.currentTokenLocation().getCharOffset();
            p.skipChildren();
            int end = (int) p.currentLocation().getCharOffset();
            return line.substring(start, end);
        }
        if (t == JsonToken.VALUE_STRING) {
            StringBuilder sb = new StringBuilder().append('"');
            JsonStringEncoder.getInstance().quoteAsString(p.getText(), sb);
            return sb.append('"').toString();
        }
        return p.getText();
    }

    // ---- small typed readers; a wrong type is a shape error naming the field ----

    private static DecodedLine.Kind kindOf(JsonParser p) throws IOException, ShapeException {
        return constantOf(p, KINDS, KIND_WIRE, DecodedLine.Kind.OTHER, "\"type\"");
    }

    private static DecodedLine.BlockType blockTypeOf(JsonParser p) throws IOException, ShapeException {
        return constantOf(p, BLOCK_TYPES, BLOCK_TYPE_WIRE, DecodedLine.BlockType.OTHER, "content block \"type\"");
    }

    private static final DecodedLine.Kind[] KINDS = DecodedLine.Kind.values();
    private static final String[] KIND_WIRE = wireNames(KINDS);
    private static final DecodedLine.BlockType[] BLOCK_TYPES = DecodedLine.BlockType.values();
    private static final String[] BLOCK_TYPE_WIRE = wireNames(BLOCK_TYPES);

    /** How the stream spells each constant: its name in lower case ({@code STREAM_EVENT}: {@code stream_event}). */
    private static String[] wireNames(Enum<?>[] values) {
        String[] names = new String[values.length];
        for (int i = 0; i < values.length; i++) names[i] = values[i].name().toLowerCase(Locale.ROOT);
        return names;
    }

    /** The constant the current string token spells ({@code other} for any other string), without allocating. */
    private static <E extends Enum<E>> E constantOf(JsonParser p, E[] values, String[] wire, E other, String what)
            throws IOException, ShapeException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new ShapeException(what + " is not a string");
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] != other && textIs(p, wire[i])) {
                return values[i];
            }
        }
        return other;
    }

    /** Compares the current string token with {@code s} without allocating a String. */
    private static boolean textIs(JsonParser p, String s) throws IOException {
        int len = p.getTextLength();
        if (len != s.length()) {
            return false;
        }
        char[] buf = p.getTextCharacters();
        int off = p.getTextOffset();
        for (int i = 0; i < len; i++) {
            if (buf[off + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Like {@link #text} but returns {@code previous} when the value equals it, saving the copy. */
    private static String reuse(JsonParser p, String field, String previous) throws IOException, ShapeException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new ShapeException("\"" + field + "\" is not a string");
        }
        if (previous != null && textIs(p, previous)) {
            return previous;
        }
        return p.getText();
    }

    private static String text(JsonParser p, String field) throws IOException, ShapeException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new ShapeException("\"" + field + "\" is not a string");
    }

    /** Any scalar as text (the CLI's {@code error} field is a string today, but be lenient). */
    private static String scalarText(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t.isScalarValue()) {
            return p.getText();
        }
        p.skipChildren();
        return "error";
    }

    private static String stringOrSkip(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    private static boolean bool(JsonParser p, String field) throws IOException, ShapeException {
        return switch (p.currentToken()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE, VALUE_NULL -> false;
            default -> throw new ShapeException("\"" + field + "\" is not a boolean");
        };
    }

    private static long number(JsonParser p, String field) throws IOException, ShapeException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> (long) p.getDoubleValue();
            case VALUE_NULL -> 0;
            default -> throw new ShapeException("\"" + field + "\" is not a number");
        };
    }

    private static double decimal(JsonParser p, String field) throws IOException, ShapeException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_NULL -> 0;
            default -> throw new ShapeException("\"" + field + "\" is not a number");
        };
    }

    private static List<String> stringList(JsonParser p, String field) throws IOException, ShapeException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new ShapeException("\"" + field + "\" is not an array");
        }
        List<String> list = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                list.add(p.getText());
            } else {
                p.skipChildren();
            }
        }
        return list;
    }

    private static void expectObject(JsonParser p, String field) throws ShapeException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ShapeException("\"" + field + "\" is not an object");
        }
    }
}
