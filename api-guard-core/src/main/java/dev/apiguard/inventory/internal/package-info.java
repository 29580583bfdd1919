/** The private implementation of {@link dev.apiguard.inventory}: not API, may change without notice. */
@NullMarked
package dev.apiguard.inventory.internal;

import org.jspecify.annotations.NullMarked;
