package io.voidbox.spi.support;

import io.voidbox.Failure;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.OutputSink;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where an agent CLI's output goes while it runs: every line to the box's log ({@code stdout} /
 * {@code stderr}), each stdout line on to the agent's stream parser, and the last
 * {@link Failure.AgentCrashed#STDERR_TAIL_LINES} stderr lines kept for the failure a crash reports.
 */
public final class AgentOutput implements OutputSink {
    private final BoxScope scope;
    private final Consumer<String> parser;
    private final Deque<String> stderrTail = new ArrayDeque<>();

    /** @param parser receives each stdout line after it is logged */
    public AgentOutput(BoxScope scope, Consumer<String> parser) {
        this.scope = scope;
        this.parser = parser;
    }

    @Override
    public void stdout(String line) {
        scope.line("stdout", line);
        parser.accept(line);
    }

    @Override
    public void stderr(String line) {
        scope.line("stderr", line);
        synchronized (stderrTail) {
            if (stderrTail.size() == Failure.AgentCrashed.STDERR_TAIL_LINES) stderrTail.removeFirst();
            stderrTail.addLast(line);
        }
    }

    /** The last stderr lines, oldest first. */
    public List<String> stderrTail() {
        synchronized (stderrTail) {
            return List.copyOf(stderrTail);
        }
    }
}
