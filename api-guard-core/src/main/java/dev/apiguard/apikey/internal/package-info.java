/** The private implementation of {@link dev.apiguard.apikey}: not API, may change without notice. */
@NullMarked
package dev.apiguard.apikey.internal;

import org.jspecify.annotations.NullMarked;
