package io.voidbox.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.voidbox.Skill;
import io.voidbox.spi.SandboxException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fetching {@code remote:} skills against a real HTTP server on loopback. */
class RemoteSkillsTest {
    private HttpServer server;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            int status;
            if (path.equals("/obra/superpowers/main/skills/brainstorming/SKILL.md")) {
                status = 200;
                body = "# Brainstorming\n".getBytes(StandardCharsets.UTF_8);
            } else if (path.startsWith("/big/")) {
                status = 200;
                body = new byte[RemoteSkills.MAX_BYTES + 1];
            } else {
                status = 404;
                body = "404: Not Found".getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(status, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aSkillIsFetchedFromItsUrlBelowTheBase() throws Exception {
        byte[] content = new RemoteSkills(base).fetch(Skill.Remote.parse("obra/superpowers/brainstorming"));
        assertThat(new String(content, StandardCharsets.UTF_8)).isEqualTo("# Brainstorming\n");
    }

    @Test
    void aMissingSkillIsAnErrorNamingTheSkillTheUrlAndTheStatus() {
        assertThatThrownBy(() -> new RemoteSkills(base).fetch(Skill.Remote.parse("obra/superpowers/nope")))
                .isInstanceOf(SandboxException.class)
                .hasMessage("cannot fetch remote skill obra/superpowers/nope (" + base
                        + "obra/superpowers/main/skills/nope/SKILL.md): HTTP 404");
    }

    @Test
    void anOversizedSkillIsRefused() {
        assertThatThrownBy(() -> new RemoteSkills(base).fetch(Skill.Remote.parse("big/repo")))
                .hasMessageContaining("larger than " + RemoteSkills.MAX_BYTES + " bytes");
    }

    @Test
    void anUnreachableHostIsAClearErrorNotAHang() {
        int port = server.getAddress().getPort();
        server.stop(0);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> new RemoteSkills(URI.create("http://127.0.0.1:" + port + "/"))
                        .fetch(Skill.Remote.parse("obra/superpowers/brainstorming")))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("cannot fetch remote skill obra/superpowers/brainstorming")
                .hasMessageContaining("ConnectException")
                .hasMessageContaining("remote skills need network on the host");
        assertThat((System.nanoTime() - t0) / 1_000_000_000).isLessThan(RemoteSkills.CONNECT_TIMEOUT.toSeconds() + 5);
    }
}
