package io.voidbox.agent.codex.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error Codex reported ({@code error} lines and {@code turn.failed.error}), with what its message
 * says beyond the text: Codex passes a 4xx response body on as the message, so the message may be
 * JSON inside a string ({@code {"error": {"message": ..., "type": ..., "code": ...}}}); other
 * messages name the HTTP status in words ({@code unexpected status 401 Unauthorized: ...},
 * {@code exceeded retry limit, last status: 429 Too Many Requests}).
 *
 * @param message    the human-readable message (the inner {@code error.message} when the text was JSON)
 * @param httpStatus the HTTP status, when the message names one
 * @param type       the API error type ({@code invalid_request_error}, ...), when the body had one
 * @param code       the API error code, when the body had one
 * @param raw        the message exactly as Codex printed it
 */
record CodexError(String message, OptionalInt httpStatus, Optional<String> type, Optional<String> code, String raw) {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Pattern STATUS =
            Pattern.compile("(?:unexpected status|last status:|status code:?) (\\d{3})\\b");

    /** Reads what {@code raw} says; never fails (an unreadable message stays as it is). */
    static CodexError of(String raw) {
        String text = raw == null ? "" : raw.strip();
        String message = text;
        Optional<String> type = Optional.empty();
        Optional<String> code = Optional.empty();
        OptionalInt status = OptionalInt.empty();
        if (text.startsWith("{")) {
            try {
                JsonNode root = JSON.readTree(text);
                JsonNode err = root.path("error").isObject() ? root.path("error") : root;
                if (err.path("message").isTextual())
                    message = err.path("message").textValue();
                type = textual(err.path("type"));
                code = textual(err.path("code"));
                JsonNode s = root.path("status").canConvertToInt() ? root.path("status") : err.path("status");
                if (s.isIntegralNumber() && s.intValue() >= 100 && s.intValue() <= 599)
                    status = OptionalInt.of(s.intValue());
            } catch (IOException e) {
                // not JSON after all: the text is the message
            }
        }
        if (status.isEmpty()) {
            Matcher m = STATUS.matcher(text);
            if (m.find()) status = OptionalInt.of(Integer.parseInt(m.group(1)));
        }
        return new CodexError(message, status, type, code, text);
    }

    /**
     * One line for people: the message as printed, or for a JSON body its inner message after the
     * status and type ({@code HTTP 400 invalid_request_error: bad request}).
     */
    String describe() {
        if (message.equals(raw)) return message;
        StringBuilder sb = new StringBuilder();
        httpStatus.ifPresent(s -> sb.append("HTTP ").append(s).append(' '));
        type.or(() -> code).ifPresent(t -> sb.append(t).append(' '));
        return sb.isEmpty()
                ? message
                : sb.append(": ").append(message).toString().replace(" : ", ": ");
    }

    private static Optional<String> textual(JsonNode n) {
        return n.isTextual() && !n.textValue().isBlank() ? Optional.of(n.textValue()) : Optional.empty();
    }
}
