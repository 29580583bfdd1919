package dev.apiguard.examples;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The demo's customer records: 10,000 customers keyed by a 7-character service tag of upper-case
 * letters and digits, derived from a fixed seed so that every run (and every scraper) meets the
 * same tags. Immutable and thread-safe.
 */
public final class CustomerDirectory {

    /** The seed every demo server uses. */
    public static final long SEED = 49_000_000L;
    /** How many customers the demo holds. */
    public static final int SIZE = 10_000;

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String[] CITIES = {"Austin", "Berlin", "Lagos", "Lyon", "Osaka", "Porto", "Quito", "Tartu"};
    private static final String[] PLANS = {"fiber-100", "fiber-500", "mobile-basic", "mobile-plus"};

    private final List<Customer> customers;
    private final Map<String, Customer> byTag;

    /** One customer record. */
    public record Customer(String serviceTag, String name, String city, String plan) {
        /** The record as JSON. */
        public String toJson() {
            return "{\"serviceTag\":" + JsonText.quote(serviceTag) + ",\"name\":" + JsonText.quote(name) + ",\"city\":"
                    + JsonText.quote(city) + ",\"plan\":" + JsonText.quote(plan) + "}";
        }
    }

    private CustomerDirectory(List<Customer> customers) {
        this.customers = Collections.unmodifiableList(customers);
        Map<String, Customer> map = new HashMap<>();
        for (Customer c : customers) {
            map.put(c.serviceTag(), c);
        }
        this.byTag = Map.copyOf(map);
    }

    /** The demo's directory, from {@link #SEED}. */
    public static CustomerDirectory demo() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<Customer> list = new ArrayList<>(SIZE);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (list.size() < SIZE) {
            String tag = tag(random);
            if (seen.add(tag)) {
                int n = list.size();
                list.add(new Customer(
                        tag,
                        "Customer " + n,
                        CITIES[random.nextInt(CITIES.length)],
                        PLANS[random.nextInt(PLANS.length)]));
            }
        }
        return new CustomerDirectory(list);
    }

    /** A random tag of the demo's shape (7 upper-case letters and digits), present or not. */
    public static String tag(SplittableRandom random) {
        char[] c = new char[7];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(c);
    }

    /** The customer with this tag, or {@code null}. */
    public Customer find(String serviceTag) {
        return byTag.get(serviceTag);
    }

    /** Every customer, in a stable order. */
    public List<Customer> all() {
        return customers;
    }

    /** The records of one page (pages count from 0); empty past the end. */
    public List<Customer> page(int page, int size) {
        long from = (long) page * size;
        if (from >= customers.size()) {
            return List.of();
        }
        return customers.subList((int) from, (int) Math.min(customers.size(), from + size));
    }
}
