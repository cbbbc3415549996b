package dev.numbers.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CommandLineOptionTest {

    @Test
    void splitsNameAndInlineValueOnlyAfterTheInlinePrefix() {
        assertEquals(new CommandLineOption("rate", "800"), CommandLineOption.of("--rate=800", "-"));
        assertEquals(new CommandLineOption("rate", "800"), CommandLineOption.of("-rate=800", "-"));
        assertEquals(new CommandLineOption("rate", null), CommandLineOption.of("--rate", "-"));
        assertEquals(new CommandLineOption("random", "false"), CommandLineOption.of("--random=false", "--"));
        assertEquals(new CommandLineOption("random=false", null), CommandLineOption.of("-random=false", "--"));
        assertEquals(new CommandLineOption("quiet", null), CommandLineOption.of("quiet", "--"));
    }
}
