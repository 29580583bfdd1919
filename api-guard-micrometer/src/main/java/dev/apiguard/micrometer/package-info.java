/**
 * Micrometer binding: {@link dev.apiguard.micrometer.MicrometerSecurityEventListener} counts
 * api-guard's security events with bounded tag cardinality;
 * {@link dev.apiguard.micrometer.ObservationGuardObserver} observes each guard decision (timer, span).
 */
@NullMarked
package dev.apiguard.micrometer;

import org.jspecify.annotations.NullMarked;
