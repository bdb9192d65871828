package io.voidbox.agent.claude.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Test helper: a parser wired to a list and a fake clock that advances one tick per read. */
final class Recorder {

    static final long TICK_NANOS = 1_000_000;

    final List<ClaudeStreamEvent> events = new ArrayList<>();
    final FakeClock clock = new FakeClock();
    final StreamJsonParser parser = new StreamJsonParser(events::add, clock);

    /** Feeds {@code lines} advancing the clock one tick before each line, then finishes. */
    static Recorder run(List<String> lines) {
        Recorder r = new Recorder();
        for (String line : lines) {
            r.clock.advance(TICK_NANOS);
            r.parser.accept(line);
        }
        r.parser.finish();
        return r;
    }

    <T extends ClaudeStreamEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends ClaudeStreamEvent> T first(Class<T> type) {
        List<T> all = all(type);
        if (all.isEmpty()) {
            throw new AssertionError("no " + type.getSimpleName() + " in " + events);
        }
        return all.getFirst();
    }

    ClaudeRunSummary summary() {
        return ClaudeRunSummary.of(events);
    }

    /** A settable monotonic clock. */
    static final class FakeClock implements LongSupplier {
        private long nanos = 1_000_000_000L;

        void advance(long delta) {
            nanos += delta;
        }

        @Override
        public long getAsLong() {
            return nanos;
        }
    }
}
