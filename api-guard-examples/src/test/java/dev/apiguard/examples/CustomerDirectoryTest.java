package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CustomerDirectoryTest {

    @Test
    void demoDataHasTenThousandCustomersWithSevenCharacterTags() {
        CustomerDirectory d = CustomerDirectory.demo();
        assertThat(d.all()).hasSize(10_000);
        assertThat(d.all()).allSatisfy(c -> assertThat(c.serviceTag()).matches("[A-Z0-9]{7}"));
        assertThat(CustomerDirectory.demo().all().get(7)).isEqualTo(d.all().get(7));
    }
}
