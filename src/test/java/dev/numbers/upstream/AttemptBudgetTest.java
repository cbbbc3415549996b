package dev.numbers.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AttemptBudgetTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void startsEmpty() {
        assertFalse(AttemptBudget.of(100, now::get).allows());
    }

    @Test
    void allowsExtraAttemptsUpToItsShareOfFirstAttempts() {
        AttemptBudget budget = AttemptBudget.of(50, now::get);
        budget.deposit();
        assertFalse(budget.allows(), "half a token");
        budget.deposit();
        assertTrue(budget.allows());
        budget.withdraw();
        assertFalse(budget.allows(), "exhausted");
        budget.deposit();
        budget.deposit();
        assertTrue(budget.allows(), "refilled by two more first attempts");
    }

    @Test
    void atAHundredPercentEveryFirstAttemptPaysForOneExtra() {
        AttemptBudget budget = AttemptBudget.of(100, now::get);
        for (int i = 0; i < 64; i++) {
            budget.deposit();
        }
        int extras = 0;
        while (budget.allows()) {
            budget.withdraw();
            extras++;
        }
        assertEquals(64, extras);
    }

    @Test
    void atZeroPercentAllowsNothing() {
        AttemptBudget budget = AttemptBudget.of(0, now::get);
        for (int i = 0; i < 1_000; i++) {
            budget.deposit();
        }
        assertFalse(budget.allows());
    }

    @Test
    void countsTheLastTenSecondsSoThatACalmStoresNoStormOfExtras() {
        AttemptBudget budget = AttemptBudget.of(100, now::get);
        for (int i = 0; i < 1_000; i++) {
            budget.deposit();
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(AttemptBudget.WINDOWS - 1));
        assertTrue(budget.allows(), "deposits of nine seconds ago still count");
        budget.deposit();
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertTrue(budget.allows(), "the one of a second ago");
        budget.withdraw();
        assertFalse(budget.allows(), "the thousand have expired");
    }

    @Test
    void aWithdrawalCountsAsLongAsTheDepositsItIsSetAgainst() {
        AttemptBudget budget = AttemptBudget.of(100, now::get);
        budget.deposit();
        budget.withdraw();
        now.addAndGet(TimeUnit.SECONDS.toNanos(3));
        budget.deposit();
        assertTrue(budget.allows());
        budget.withdraw();
        assertFalse(budget.allows(), "two deposits, two withdrawals within ten seconds");
    }

    @Test
    void anOverdraftIsPaidBackByTheNextDeposits() {
        AttemptBudget budget = AttemptBudget.of(100, now::get);
        budget.deposit();
        assertTrue(budget.allows());
        budget.withdraw();
        budget.withdraw(); // two extra attempts decided at once on the same token
        budget.deposit();
        assertFalse(budget.allows(), "the overdraft first");
        budget.deposit();
        assertTrue(budget.allows());
    }

    @Test
    void refusesAShareOutsideZeroToAHundred() {
        assertThrows(IllegalArgumentException.class, () -> AttemptBudget.of(101));
        assertThrows(IllegalArgumentException.class, () -> AttemptBudget.of(-1));
    }
}
