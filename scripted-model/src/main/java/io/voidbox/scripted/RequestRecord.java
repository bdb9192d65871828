package io.voidbox.scripted;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;

/**
 * What the scripted model server saw in one request, so tests can assert what the CLI sent back
 * (for example the output of a tool it ran). Never holds credentials.
 *
 * @param ts             when the request arrived
 * @param route          route key ({@code null}: no route in the path)
 * @param method         HTTP method
 * @param path           request path including the query
 * @param status         HTTP status answered
 * @param conversation   conversation id (the CLI's session id; {@code null} when none)
 * @param turn           0-based scenario turn answered; -1 for side requests and non-message requests
 * @param body           what the messages request asked for ({@link Body#NONE} for other requests)
 * @param sideRequest    a side request (e.g. title generation) answered without consuming a turn
 */
@JsonNaming(SnakeCaseStrategy.class)
public record RequestRecord(
        @JsonSerialize(using = ToStringSerializer.class) Instant ts,
        String route,
        String method,
        String path,
        int status,
        String conversation,
        int turn,
        @JsonUnwrapped Body body,
        boolean sideRequest) {

    /** Requested model ({@code null} if none). */
    public String model() {
        return body.model();
    }

    /** Whether a streaming answer was requested. */
    public boolean stream() {
        return body.stream();
    }

    /** Number of tools offered by the CLI. */
    public int tools() {
        return body.tools();
    }

    /** Number of messages in the conversation so far. */
    public int messages() {
        return body.messages();
    }

    /** Text of the last {@code tool_result} the CLI sent ({@code null}: none). */
    public String lastToolResult() {
        return body.lastToolResult();
    }

    /** The facts of a messages request body. */
    @JsonNaming(SnakeCaseStrategy.class)
    public record Body(String model, boolean stream, int tools, int messages, String lastToolResult) {
        public static final Body NONE = new Body(null, false, 0, 0, null);
    }
}
