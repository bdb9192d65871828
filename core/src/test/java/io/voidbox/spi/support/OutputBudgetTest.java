package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutputBudgetTest {
    private final AtomicLong now = new AtomicLong();

    @Test
    void aBurstPassesThenTheRateAppliesAndDroppedLinesAreCounted() {
        OutputBudget budget = new OutputBudget(100, 1000, 1_000_000, now::get);
        for (int i = 0; i < 10; i++) assertThat(budget.admit(100)).isTrue();
        assertThat(budget.admit(100)).as("burst spent").isFalse();
        now.addAndGet(1_000_000_000L); // one second: 100 bytes more
        assertThat(budget.admit(100)).isTrue();
        assertThat(budget.admit(1)).isFalse();
        assertThat(budget.dropped()).isEqualTo(new OutputBudget.Dropped(2, 101));
    }

    @Test
    void theTotalIsNeverExceededHoweverSlowTheOutput() {
        OutputBudget budget = new OutputBudget(1000, 1000, 2500, now::get);
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            now.addAndGet(10_000_000_000L);
            if (budget.admit(1000)) admitted++;
        }
        assertThat(admitted).isEqualTo(2);
        assertThat(budget.dropped().lines()).isEqualTo(98);
    }
}
