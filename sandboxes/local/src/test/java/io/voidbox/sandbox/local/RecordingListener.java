package io.voidbox.sandbox.local;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEventListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects the events of a run for assertions. */
public final class RecordingListener implements RunEventListener {
    private final List<RunEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(RunEvent event) {
        events.add(event);
    }

    public List<RunEvent> events() {
        return List.copyOf(events);
    }

    public <T extends RunEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
