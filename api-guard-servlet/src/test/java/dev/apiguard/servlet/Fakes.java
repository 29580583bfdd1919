package dev.apiguard.servlet;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Servlet API objects for the few unit tests that need no container: a dynamic proxy answers the
 * named methods and records every call. Fakes over mocks.
 */
final class Fakes {

    private Fakes() {}

    /** A fake of the interface; unnamed methods answer null, false or 0. */
    static <T> T fake(Class<T> type, List<String> calls, Map<String, BiFunction<String, Object[], Object>> answers) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            calls.add(method.getName());
            BiFunction<String, Object[], Object> answer = answers.get(method.getName());
            if (answer != null) {
                return answer.apply(method.getName(), args);
            }
            Class<?> r = method.getReturnType();
            if (r == boolean.class) {
                return false;
            }
            if (r == int.class || r == long.class) {
                return r == int.class ? (Object) 0 : (Object) 0L;
            }
            return null;
        });
        return type.cast(proxy);
    }

    static <T> T fake(Class<T> type, Map<String, BiFunction<String, Object[], Object>> answers) {
        return fake(type, new ArrayList<>(), answers);
    }
}
