/**
 * Redis-backed stores, shared by every node of a fleet: buckets, replay cache, quarantine, API keys
 * and evidence, with the failure policy that says what happens when Redis cannot answer.
 */
@NullMarked
package dev.apiguard.redis;

import org.jspecify.annotations.NullMarked;
