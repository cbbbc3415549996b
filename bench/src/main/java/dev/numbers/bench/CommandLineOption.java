package dev.numbers.bench;

/**
 * One command-line argument of the bench tools, {@code --name value}, {@code -name value} or, when it starts with
 * the tool's inline prefix, {@code --name=value}: the name without its dashes and the inline value, if any.
 *
 * @param name        the option's name, leading {@code -} or {@code --} removed
 * @param inlineValue the text after {@code =}, or null when the value (if any) is the next argument
 */
record CommandLineOption(String name, String inlineValue) {

    /**
     * @param arg          the argument as given
     * @param inlinePrefix the prefix an argument must start with for {@code name=value} to be split ({@code "-"} or
     *                     {@code "--"})
     */
    static CommandLineOption of(String arg, String inlinePrefix) {
        String name = arg;
        String value = null;
        int eq = arg.indexOf('=');
        if (arg.startsWith(inlinePrefix) && eq > 0) {
            value = arg.substring(eq + 1);
            name = arg.substring(0, eq);
        }
        return new CommandLineOption(name.replaceFirst("^--?", ""), value);
    }
}
