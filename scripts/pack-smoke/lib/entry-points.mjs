// The entry points a package's `exports` map offers, and with which of import/require.

/** The subpaths of the exports map (not ./package.json) and which of import/require each offers. */
export function entryPoints(pkg) {
  const exportsMap =
    typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports ?? { '.': pkg.main });
  return Object.entries(exportsMap)
    .filter(([subpath]) => subpath !== './package.json' && !subpath.includes('*'))
    .map(([subpath, target]) => {
      const offered = typeof target === 'string' ? ['default'] : Object.keys(target);
      const conditions = offered.includes('default') ? ['import', 'require'] : [];
      for (const c of ['import', 'require'])
        if (offered.includes(c) && !conditions.includes(c)) conditions.push(c);
      if (offered.includes('node') && conditions.length === 0) conditions.push('import', 'require');
      return { specifier: subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`, conditions };
    });
}
