import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { entityOf } from '../model/entities.js';
import { filterSpecs } from '../model/filters.js';
import { renderWithProviders } from '../test-utils.js';
import { FilterBar } from './FilterBar.js';

describe('FilterBar', () => {
  it('renders the widget of each filterable field kind', () => {
    renderWithProviders(
      <FilterBar specs={filterSpecs(entityOf('release')!)} value={{}} onApply={() => {}} />,
    );
    // text: contains
    expect(screen.getByRole('searchbox', { name: 'Semver' }).getAttribute('placeholder')).toBe('contains…');
    // enum: a select of its values
    const status = screen.getByRole('combobox', { name: 'Status' }) as HTMLSelectElement;
    expect([...status.options].map((o) => o.value)).toEqual([
      '',
      'draft',
      'scheduled',
      'published',
      'withdrawn',
    ]);
    // date range: from / to
    const released = screen.getByRole('group', { name: 'Released at' });
    expect(within(released).getByLabelText('From').getAttribute('type')).toBe('date');
    expect(within(released).getByLabelText('To').getAttribute('type')).toBe('date');
    // number range
    expect(
      within(screen.getByRole('group', { name: 'Downloads' }))
        .getByLabelText('Min')
        .getAttribute('type'),
    ).toBe('number');
    // relation: a searchable picker
    expect(screen.getByRole('combobox', { name: 'Project' }).getAttribute('aria-autocomplete')).toBe('list');
  });

  it('renders a boolean as any / yes / no', () => {
    renderWithProviders(
      <FilterBar specs={filterSpecs(entityOf('project')!)} value={{}} onApply={() => {}} />,
    );
    const select = screen.getByRole('combobox', { name: 'Is public' }) as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toEqual(['Any', 'Yes', 'No']);
  });

  it('applies the draft on submit, not per keystroke, and clears', () => {
    const onApply = vi.fn();
    const specs = filterSpecs(entityOf('project')!);
    const { rerender } = renderWithProviders(<FilterBar specs={specs} value={{}} onApply={onApply} />);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Name' }), { target: { value: 'rock' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Is public' }), { target: { value: 'true' } });
    expect(onApply).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(onApply).toHaveBeenCalledWith({ name: 'rock', isPublic: 'true' });
    rerender(<FilterBar specs={specs} value={{ name: 'rock' }} onApply={onApply} />);
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters (1)' }));
    expect(onApply).toHaveBeenLastCalledWith({});
  });
});
