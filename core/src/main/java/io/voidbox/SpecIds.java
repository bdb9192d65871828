package io.voidbox;

import java.util.ArrayList;
import java.util.List;

/** The spec spellings of the option enums: one lookup and one error message for all of them. */
final class SpecIds {
    private SpecIds() {}

    /** The constant spelled {@code value}; an error naming every allowed spelling otherwise. */
    static <E extends Enum<E> & SpecEnum> E parse(String what, String value, E[] values) {
        List<String> ids = new ArrayList<>();
        for (E e : values) {
            if (e.id().equals(value)) return e;
            ids.add(e.id());
        }
        String allowed = String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.getLast();
        throw new IllegalArgumentException("unknown " + what + " '" + value + "' (expected " + allowed + ")");
    }
}
