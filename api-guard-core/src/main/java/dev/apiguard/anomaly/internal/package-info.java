/**
 * The anomaly scorer's implementation: per-caller profiles and the local quarantine store. Not
 * API; used only by {@code dev.apiguard.anomaly}.
 */
@NullMarked
package dev.apiguard.anomaly.internal;

import org.jspecify.annotations.NullMarked;
