import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { entityOf } from '../model/entities.js';
import { renderWithProviders } from '../test-utils.js';
import { FormPage } from './FormPage.js';

/** A field's label: its name, and ` *` when required (the asterisk is hidden from assistive tech). */
const label = (name: string) => new RegExp(`^${name}( \\*)?$`);
const fieldError = (name: string) => {
  const input = screen.getByLabelText(label(name));
  const id = input.getAttribute('aria-describedby')?.split(' ')[0];
  return id ? document.getElementById(id)?.textContent : undefined;
};

describe('generated create form', () => {
  it('renders a field per create-schema key, with the override for tag colours', () => {
    renderWithProviders(<FormPage entity={entityOf('tag')!} search="" />);
    expect(screen.getByRole('heading', { name: 'New tag' }).tagName).toBe('H1');
    expect(screen.getByLabelText(label('Label')).getAttribute('type')).toBe('text');
    // the registry's custom field: a colour picker beside the text input
    expect(screen.getByLabelText('Pick a colour').getAttribute('type')).toBe('color');
    // the many-to-many relation: a searchable multi picker
    expect(screen.getByRole('combobox', { name: 'Projects' }).getAttribute('aria-autocomplete')).toBe('list');
  });

  it("shows the schema's messages beside the fields before submitting, and none once fixed", () => {
    renderWithProviders(<FormPage entity={entityOf('tag')!} search="" />);
    fireEvent.click(screen.getByRole('button', { name: 'Create tag' }));
    expect(fieldError('Label')).toBe('must not be empty');
    expect(document.activeElement).toBe(screen.getByLabelText(label('Label')));
    fireEvent.change(screen.getByLabelText(label('Color')), { target: { value: 'blue' } });
    expect(fieldError('Color')).toBe('must be a colour like #1a2b3c');
    fireEvent.change(screen.getByLabelText(label('Label')), { target: { value: 'docs' } });
    fireEvent.change(screen.getByLabelText(label('Color')), { target: { value: '#112233' } });
    expect(screen.getByLabelText(label('Label')).getAttribute('aria-invalid')).toBeNull();
    expect(fieldError('Color')).toBeUndefined();
  });

  it('prefills a create from the query string (an "add release" link from a project)', () => {
    renderWithProviders(<FormPage entity={entityOf('release')!} search="?semver=2.0.0&unknown=x" />);
    expect((screen.getByLabelText(label('Semver')) as HTMLInputElement).value).toBe('2.0.0');
    expect((screen.getByLabelText(label('Status')) as HTMLSelectElement).value).toBe('draft');
    expect(screen.getByLabelText(label('Downloads')).getAttribute('inputmode')).toBe('numeric');
    expect(screen.getByLabelText(label('Released at')).getAttribute('type')).toBe('datetime-local');
  });
});
