/** The private implementation of {@link dev.apiguard.inventory}: not API, may change without notice. */
package dev.apiguard.inventory.internal;
