package io.voidbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An option enum as spec files, the command line, events and spans spell it. The plain rule lives
 * here once (the constant's name in lower case, {@code _} as {@code -}: {@code CLAUDE_CODE} is
 * {@code claude-code}), so the option enums cannot drift apart; an enum with other spellings
 * overrides {@link #id()}. The lookup by spelling is here once too: the caller names the field it
 * read ({@code llm.provider}, {@code --backend}), which the error message quotes.
 */
public interface SpecEnum {
    /** The constant's name (implemented by {@link Enum#name()}). */
    String name();

    /** The spelling in spec files. */
    default String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code values} spelled {@code id}; otherwise an error naming the field
     * {@code what}, the value and every allowed spelling.
     */
    static <E extends Enum<E> & SpecEnum> E parse(String what, String id, E[] values) {
        List<String> ids = new ArrayList<>();
        for (E e : values) {
            if (e.id().equals(id)) return e;
            ids.add(e.id());
        }
        String allowed = String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.getLast();
        throw new IllegalArgumentException("unknown " + what + " '" + id + "' (expected " + allowed + ")");
    }
}
