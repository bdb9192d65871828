package io.voidbox.internal.engine;

import io.voidbox.Skill;
import io.voidbox.spi.SandboxException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Fetches {@code remote:owner/repo[/skill]} skills over HTTPS (GitHub's raw content by default),
 * bounded in time and size. Anything but a 200 with a small body is a clear error naming the skill
 * and the URL: a box never starts with a skill it asked for and did not get.
 */
final class RemoteSkills {
    static final int MAX_BYTES = 1 << 20;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http;

    /** @param base where {@code owner/repo/main/...} is served, normally {@link Skill.Remote#GITHUB_RAW} */
    RemoteSkills(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    URI url(Skill.Remote skill) {
        return skill.url(base);
    }

    byte[] fetch(Skill.Remote skill) throws SandboxException, InterruptedException {
        URI url = url(skill);
        String what = "remote skill " + skill.id() + " (" + url + ")";
        HttpResponse<InputStream> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new SandboxException("cannot fetch " + what + ": " + describe(e), e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200)
                throw new SandboxException("cannot fetch " + what + ": HTTP " + response.statusCode());
            byte[] content = body.readNBytes(MAX_BYTES + 1);
            if (content.length > MAX_BYTES)
                throw new SandboxException("cannot fetch " + what + ": larger than " + MAX_BYTES + " bytes");
            return content;
        } catch (IOException e) {
            throw new SandboxException("cannot fetch " + what + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " " + message)
                + " (unreachable? remote skills need network on the host)";
    }
}
