import { useEffect } from 'react';
import { Button } from '@/components/ui/button';
import { applyTheme, useTheme, type Theme } from '@/lib/theme';

const next: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const label: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function ThemeToggle() {
  const { theme, setTheme } = useTheme();
  useEffect(() => {
    applyTheme(theme);
    if (theme !== 'system') return;
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => applyTheme('system');
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [theme]);
  return (
    <Button variant="ghost" size="sm" onClick={() => setTheme(next[theme])} aria-label={label[theme]}>
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} {theme}
    </Button>
  );
}
