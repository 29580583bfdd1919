/**
 * Micrometer binding: {@link dev.apiguard.micrometer.MicrometerSecurityEventListener} counts
 * api-guard's security events with bounded tag cardinality.
 */
package dev.apiguard.micrometer;
