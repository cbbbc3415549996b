package dev.numbers.aggregation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BodyMemoryTest {

    @Test
    void reservesUpToItsCapacityAndTakesBackWhatIsReleased() {
        BodyMemory memory = BodyMemory.of(100);
        assertTrue(memory.tryReserve(60));
        assertFalse(memory.tryReserve(41));
        assertTrue(memory.tryReserve(40));
        assertEquals(100, memory.inUse());
        memory.release(60);
        assertEquals(40, memory.inUse());
        assertTrue(memory.tryReserve(60));
        assertFalse(memory.tryReserve(1));
    }
}
