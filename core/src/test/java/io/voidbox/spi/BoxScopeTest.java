package io.voidbox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.Log;
import io.voidbox.spi.support.Redactor;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class BoxScopeTest {
    @Test
    void aSecretTheSandboxRegistersIsMaskedInTheLinesAndWarningsOfEveryBoxOfTheRun() {
        Redactor runRedactor = new Redactor();
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        BoxScope a = new BoxScope("run", "p", "a", Clock.systemUTC(), events::add, Map.of(), runRedactor);
        BoxScope b = new BoxScope("run", "p", "b", Clock.systemUTC(), events::add, Map.of(), runRedactor);

        a.secret("0123456789abcdef0123456789abcdef");
        a.line("stdout", "fw_cfg says 0123456789abcdef0123456789abcdef");
        b.warning("seen 0123456789abcdef0123456789abcdef elsewhere");

        assertThat(events)
                .map(e -> ((Log) e).line())
                .containsExactly("fw_cfg says [REDACTED]", "WARNING: seen [REDACTED] elsewhere");
    }
}
