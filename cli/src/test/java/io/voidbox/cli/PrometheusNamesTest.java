package io.voidbox.cli;

import static io.voidbox.cli.PrometheusNames.metricName;
import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.cli.PrometheusNames.Kind;
import org.junit.jupiter.api.Test;

/**
 * The naming rules the playground dashboard relies on, checked against behaviour documented by
 * prometheus/otlptranslator for {@code UnderscoreEscapingWithSuffixes}, and the PromQL scan.
 */
class PrometheusNamesTest {

    @Test
    void followsTheUpstreamSuffixRules() {
        assertThat(metricName("requests", "", Kind.MONOTONIC_COUNTER)).isEqualTo("requests_total");
        assertThat(metricName("requests_total", "", Kind.MONOTONIC_COUNTER)).isEqualTo("requests_total");
        assertThat(metricName("items", "1", Kind.MONOTONIC_COUNTER)).isEqualTo("items_total");
        assertThat(metricName("cpu_usage", "1", Kind.GAUGE)).isEqualTo("cpu_usage_ratio");
        assertThat(metricName("response_time", "ms", Kind.GAUGE)).isEqualTo("response_time_milliseconds");
        assertThat(metricName("response_time_seconds", "s", Kind.GAUGE)).isEqualTo("response_time_seconds");
        assertThat(metricName("requests", "1/s", Kind.GAUGE)).isEqualTo("requests_per_second");
        assertThat(metricName("throughput", "By/s", Kind.GAUGE)).isEqualTo("throughput_bytes_per_second");
        assertThat(metricName("custom_metric", "custom_unit", Kind.GAUGE)).isEqualTo("custom_metric_custom_unit");
        assertThat(metricName("custom_metric", "{custom}", Kind.GAUGE)).isEqualTo("custom_metric");
        assertThat(metricName("custom_metric", "By/{custom}", Kind.GAUGE)).isEqualTo("custom_metric_bytes");
        assertThat(metricName("custom_metric", "unit@with#special/chars", Kind.GAUGE))
                .isEqualTo("custom_metric_unit_with_special_per_chars");
        assertThat(metricName("metric__with__multiple__underscores", "unit__multiple__underscores", Kind.GAUGE))
                .isEqualTo("metric_with_multiple_underscores_unit_multiple_underscores");
        assertThat(metricName("active_connections", "", Kind.NON_MONOTONIC_COUNTER))
                .isEqualTo("active_connections");
        assertThat(metricName("123_requests", "", Kind.MONOTONIC_COUNTER)).isEqualTo("_123_requests_total");
        assertThat(metricName("http.server.request.duration", "s", Kind.HISTOGRAM))
                .isEqualTo("http_server_request_duration_seconds");
    }

    @Test
    void unitTokensAreComparedWithTheNameTokensCaseSensitively() {
        assertThat(metricName("pipeline.stage.duration_ms", "ms", Kind.MONOTONIC_COUNTER))
                .isEqualTo("pipeline_stage_duration_ms_milliseconds_total");
        assertThat(metricName("pipeline.stage.cost_usd", "USD", Kind.MONOTONIC_COUNTER))
                .isEqualTo("pipeline_stage_cost_usd_USD_total");
        assertThat(metricName("guest.memory.used_bytes", "By", Kind.GAUGE)).isEqualTo("guest_memory_used_bytes");
        assertThat(metricName("cpu_usage_percent", "%", Kind.GAUGE)).isEqualTo("cpu_usage_percent");
        assertThat(PrometheusNames.seriesNames("gen_ai.client.token.usage", "{token}", Kind.HISTOGRAM))
                .containsExactlyInAnyOrder(
                        "gen_ai_client_token_usage_bucket",
                        "gen_ai_client_token_usage_sum",
                        "gen_ai_client_token_usage_count");
        assertThat(PrometheusNames.labelName("gen_ai.token.type")).isEqualTo("gen_ai_token_type");
    }

    @Test
    void findsMetricsLabelsAndFunctionsOfAnExpression() {
        var used = PrometheusNames.used(
                "sum by (stage) (last_over_time(a_total{job=\"$service\", pipeline=~\"not_a_metric|$p\"}[$__range])) / on(stage) b_total");
        assertThat(used.metrics()).containsExactlyInAnyOrder("a_total", "b_total");
        assertThat(used.labels()).containsExactlyInAnyOrder("stage", "job", "pipeline");
        assertThat(used.functions()).containsExactlyInAnyOrder("sum", "last_over_time");

        var quantile = PrometheusNames.used("histogram_quantile(0.9, sum by (le) (rate(x_seconds_bucket[5m]))) * 1e3");
        assertThat(quantile.metrics()).containsExactly("x_seconds_bucket");
        assertThat(quantile.labels()).containsExactly("le");

        var variable = PrometheusNames.used("label_values(guest_memory_used_bytes{job=\"$service\"}, vm)");
        assertThat(variable.metrics()).containsExactly("guest_memory_used_bytes");
        assertThat(variable.labels()).containsExactlyInAnyOrder("job", "vm");
    }
}
