package io.voidbox;

import java.util.Locale;

/**
 * An option enum as spec files, the command line, events and spans spell it. The plain rule lives
 * here once (the constant's name in lower case, {@code _} as {@code -}: {@code CLAUDE_CODE} is
 * {@code claude-code}), so the option enums cannot drift apart; an enum with other spellings
 * overrides {@link #id()}.
 */
public interface SpecEnum {
    /** The constant's name (implemented by {@link Enum#name()}). */
    String name();

    /** The spelling in spec files. */
    default String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
