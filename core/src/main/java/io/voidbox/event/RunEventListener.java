package io.voidbox.event;

/**
 * Receives the events of a run. Called on the event bus's own thread, in run order; a slow
 * listener delays other listeners but never the run (the bus drops and counts instead).
 */
@FunctionalInterface
public interface RunEventListener {
    void onEvent(RunEvent event);

    /** Called once after the last event of the bus has been delivered. */
    default void onClose() {}
}
