/**
 * Micrometer binding: {@link dev.apiguard.micrometer.MicrometerSecurityEventListener} counts
 * api-guard's security events with bounded tag cardinality.
 */
@NullMarked
package dev.apiguard.micrometer;

import org.jspecify.annotations.NullMarked;
