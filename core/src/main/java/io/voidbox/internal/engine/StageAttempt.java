package io.voidbox.internal.engine;

import io.voidbox.Failure;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent.StageCompleted;
import io.voidbox.event.RunEvent.StageFailed;
import io.voidbox.spi.BoxScope;
import java.time.Duration;
import java.util.Optional;

/**
 * One box's (or workflow step's) way through its stage: what is known so far, and the one place a
 * stage ends, with its {@code stage.completed}/{@code stage.failed} event and its
 * {@link StageResult}. Shared by {@link BoxExecutor} and {@link WorkflowEngine} so both end a stage
 * the same way.
 */
final class StageAttempt {
    final BoxScope scope;
    private final int index;
    private final String kind;
    private final long startNanos = System.nanoTime();
    String backend = "?";
    Optional<String> accel = Optional.empty();
    String model = "";

    /** @param kind what the stage runs, for its warning ({@code stage} or {@code step}) */
    StageAttempt(BoxScope scope, int index, String kind) {
        this.scope = scope;
        this.index = index;
        this.kind = kind;
    }

    StageResult completed(String resultText, Optional<String> fileOutput, Usage usage) {
        Duration took = took();
        scope.publish(new StageCompleted(scope.header(), took.toMillis(), usage, backend, accel.orElse(null)));
        return new StageResult(
                scope.box(), index, resultText, fileOutput, usage, took, backend, accel, Optional.empty());
    }

    StageResult failed(String resultText, Usage usage, Failure failure) {
        Duration took = took();
        scope.warning(kind + " failed: " + failure.message());
        scope.publish(new StageFailed(scope.header(), took.toMillis(), usage, backend, accel.orElse(null), failure));
        return new StageResult(
                scope.box(), index, resultText, Optional.empty(), usage, took, backend, accel, Optional.of(failure));
    }

    private Duration took() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
