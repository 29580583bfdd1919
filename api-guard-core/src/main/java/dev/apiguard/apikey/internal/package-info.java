/** The private implementation of {@link dev.apiguard.apikey}: not API, may change without notice. */
package dev.apiguard.apikey.internal;
