/**
 * Security events: what each decision emits ({@link dev.apiguard.event.SecurityEvent}), their types
 * and reason codes, and the listeners that receive them.
 */
@NullMarked
package dev.apiguard.event;

import org.jspecify.annotations.NullMarked;
