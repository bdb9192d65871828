package io.voidbox.internal.otel;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.voidbox.event.RunEvent.GuestTelemetry;
import io.voidbox.event.RunEvent.ProcessSample;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Guest resource gauges (contract section 3), observed from the latest {@code guest.telemetry}
 * reading of each box.
 *
 * <p>Why observable gauges with "retire after one observation": a synchronous gauge would keep
 * exporting a stopped box's last value forever, while removing the reading as soon as the box
 * stops would lose boxes that lived shorter than one export interval. Here a stopped box's last
 * reading is exported exactly once more (at the next collection, at the latest the final flush)
 * and then forgotten. The map is bounded so a meter that is never collected cannot grow it.
 */
final class GuestGauges implements AutoCloseable {
    static final int MAX_BOXES = 512;

    private record BoxKey(String runId, String vm, String stage, String vmCid) {}

    private static final class Reading {
        GuestTelemetry latest;
        Attributes attributes;
        boolean observed;
        boolean retired;
    }

    private final Object lock = new Object();
    private final Map<BoxKey, Reading> readings = new LinkedHashMap<>();
    private final ObservableDoubleMeasurement cpuUtilization;
    private final ObservableDoubleMeasurement cpuUsagePercent;
    private final ObservableLongMeasurement memoryUsed;
    private final ObservableLongMeasurement memoryUsageBytes;
    private final ObservableLongMeasurement memoryTotal;
    private final ObservableLongMeasurement procsRunning;
    private final ObservableLongMeasurement openFds;
    private final ObservableLongMeasurement processRss;
    private final ObservableLongMeasurement processCpuJiffies;
    private final BatchCallback callback;

    GuestGauges(Meter meter) {
        cpuUtilization = doubleGauge(meter, "guest.cpu.utilization", "1", "Guest CPU utilization, 0..1");
        cpuUsagePercent = doubleGauge(
                meter, "cpu_usage_percent", "%", "Guest CPU usage in percent, 0..100 (kept for compatibility)");
        memoryUsed = longGauge(meter, "guest.memory.used_bytes", "By", "Guest memory in use");
        memoryUsageBytes = longGauge(meter, "memory_usage_bytes", "By", "Guest memory in use (kept for compatibility)");
        memoryTotal = longGauge(meter, "guest.memory_total_bytes", "By", "Guest memory total");
        procsRunning = longGauge(meter, "guest.procs_running", "{process}", "Runnable processes in the guest");
        openFds = longGauge(meter, "guest.open_fds", "{file}", "Open file descriptors in the guest");
        processRss =
                longGauge(meter, "guest.process.rss_bytes", "By", "Resident memory of the heaviest guest processes");
        processCpuJiffies =
                longGauge(meter, "guest.process.cpu_jiffies", "{jiffy}", "CPU time of the heaviest guest processes");
        callback = meter.batchCallback(
                this::observe,
                cpuUtilization,
                cpuUsagePercent,
                memoryUsed,
                memoryUsageBytes,
                memoryTotal,
                procsRunning,
                openFds,
                processRss,
                processCpuJiffies);
    }

    private static ObservableDoubleMeasurement doubleGauge(Meter meter, String name, String unit, String description) {
        return meter.gaugeBuilder(name)
                .setUnit(unit)
                .setDescription(description)
                .buildObserver();
    }

    private static ObservableLongMeasurement longGauge(Meter meter, String name, String unit, String description) {
        return meter.gaugeBuilder(name)
                .ofLongs()
                .setUnit(unit)
                .setDescription(description)
                .buildObserver();
    }

    void record(GuestTelemetry t) {
        String vm = t.vm() != null ? t.vm() : t.box();
        String stage = t.stage() != null ? t.stage() : t.box();
        BoxKey key = new BoxKey(t.runId(), vm, stage, t.vmCid());
        synchronized (lock) {
            Reading r = readings.get(key);
            if (r == null) {
                if (readings.size() >= MAX_BOXES) {
                    evictOne();
                }
                r = new Reading();
                AttributesBuilder b = Attributes.builder();
                if (vm != null) {
                    b.put(Keys.VM, vm);
                }
                if (stage != null) {
                    b.put(Keys.STAGE, stage);
                }
                if (t.vmCid() != null) {
                    b.put(Keys.VM_CID, t.vmCid());
                }
                r.attributes = b.build();
                readings.put(key, r);
            }
            r.latest = t;
            r.observed = false;
            r.retired = false;
        }
    }

    /** The box stopped: export its last reading once more, then forget it. */
    void retireBox(String runId, String vm) {
        synchronized (lock) {
            retireWhere(k -> Objects.equals(k.runId(), runId) && Objects.equals(k.vm(), vm));
        }
    }

    void retireRun(String runId) {
        synchronized (lock) {
            retireWhere(k -> Objects.equals(k.runId(), runId));
        }
    }

    int size() {
        synchronized (lock) {
            return readings.size();
        }
    }

    private void retireWhere(Predicate<BoxKey> match) {
        for (Iterator<Map.Entry<BoxKey, Reading>> it = readings.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<BoxKey, Reading> e = it.next();
            if (match.test(e.getKey())) {
                if (e.getValue().observed) {
                    it.remove();
                } else {
                    e.getValue().retired = true;
                }
            }
        }
    }

    /** Drops a retired reading if there is one, else the oldest. */
    private void evictOne() {
        BoxKey victim = null;
        for (Map.Entry<BoxKey, Reading> e : readings.entrySet()) {
            if (e.getValue().retired) {
                victim = e.getKey();
                break;
            }
        }
        if (victim == null) {
            victim = readings.keySet().iterator().next();
        }
        readings.remove(victim);
    }

    private void observe() {
        synchronized (lock) {
            for (Iterator<Reading> it = readings.values().iterator(); it.hasNext(); ) {
                Reading r = it.next();
                GuestTelemetry t = r.latest;
                Attributes a = r.attributes;
                double percent = Double.isFinite(t.cpuPercent()) ? Math.clamp(t.cpuPercent(), 0.0, 100.0) : 0.0;
                cpuUtilization.record(percent / 100.0, a);
                cpuUsagePercent.record(percent, a);
                memoryUsed.record(t.memUsedBytes(), a);
                memoryUsageBytes.record(t.memUsedBytes(), a);
                memoryTotal.record(t.memTotalBytes(), a);
                procsRunning.record(t.procsRunning(), a);
                openFds.record(t.openFds(), a);
                if (t.processes() != null) {
                    for (ProcessSample p : t.processes()) {
                        AttributesBuilder pb = a.toBuilder().put(Keys.PID, (long) p.pid());
                        if (p.comm() != null) {
                            pb.put(Keys.COMM, p.comm());
                        }
                        Attributes pa = pb.build();
                        processRss.record(p.rssBytes(), pa);
                        processCpuJiffies.record(p.cpuJiffies(), pa);
                    }
                }
                r.observed = true;
                if (r.retired) {
                    it.remove();
                }
            }
        }
    }

    @Override
    public void close() {
        callback.close();
    }
}
