package io.voidbox.scripted;

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
 * @param model          requested model ({@code null} if none)
 * @param stream         whether a streaming answer was requested
 * @param tools          number of tools offered by the CLI
 * @param messages       number of messages in the conversation so far
 * @param lastToolResult text of the last {@code tool_result} the CLI sent ({@code null}: none)
 * @param sideRequest    a side request (e.g. title generation) answered without consuming a turn
 */
public record RequestRecord(
        Instant ts,
        String route,
        String method,
        String path,
        int status,
        String conversation,
        int turn,
        String model,
        boolean stream,
        int tools,
        int messages,
        String lastToolResult,
        boolean sideRequest) {}
