package io.voidbox.bench.otel;

import java.util.List;

/** Median and range of a small sample: with 4 to 10 noisy runs a mean and a standard deviation would mislead. */
record Spread(int n, double median, double min, double max) {
    static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(n, median, v[0], v[n - 1]);
    }
}
